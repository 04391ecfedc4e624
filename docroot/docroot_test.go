package docroot

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// layout builds:
//
//	base/outside.pdf
//	base/docs/a.pdf
//	base/docs/sub/b.pdf
//	base/docs/link-in      -> sub/b.pdf          (inside: fine)
//	base/docs/link-dir     -> <abs>/docs/sub     (absolute, inside: fine)
//	base/docs/link-etc     -> /etc               (outside)
//	base/docs/link-up      -> ../outside.pdf     (outside)
//	base/docs/sub/loop-out -> ../../outside.pdf  (outside)
//	base/alias             -> docs               (root spelled through a link)
func layout(t *testing.T) (base, root string) {
	t.Helper()
	base, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	root = filepath.Join(base, "docs")
	must(t, os.MkdirAll(filepath.Join(root, "sub"), 0o755))
	for _, p := range []string{filepath.Join(base, "outside.pdf"), filepath.Join(root, "a.pdf"), filepath.Join(root, "sub", "b.pdf")} {
		must(t, os.WriteFile(p, []byte("content of "+filepath.Base(p)), 0o644))
	}
	must(t, os.Symlink("sub/b.pdf", filepath.Join(root, "link-in")))
	must(t, os.Symlink(filepath.Join(root, "sub"), filepath.Join(root, "link-dir")))
	must(t, os.Symlink("/etc", filepath.Join(root, "link-etc")))
	must(t, os.Symlink("../outside.pdf", filepath.Join(root, "link-up")))
	must(t, os.Symlink("../../outside.pdf", filepath.Join(root, "sub", "loop-out")))
	must(t, os.Symlink("docs", filepath.Join(base, "alias")))
	return base, root
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestResolve(t *testing.T) {
	base, root := layout(t)
	alias := filepath.Join(base, "alias")
	cases := []struct {
		name     string
		root     string // "" means root
		in       string
		want     string // relative to root when ok
		wantErr  error
		contains string
	}{
		{name: "plain file", in: "a.pdf", want: "a.pdf"},
		{name: "nested", in: "sub/b.pdf", want: "sub/b.pdf"},
		{name: "dot-dot that stays inside", in: "sub/../a.pdf", want: "a.pdf"},
		{name: "symlink inside the root", in: "link-in", want: "sub/b.pdf"},
		{name: "absolute symlink to a folder inside", in: "link-dir/b.pdf", want: "sub/b.pdf"},
		{name: "absolute path inside", in: filepath.Join(root, "sub", "b.pdf"), want: "sub/b.pdf"},
		{name: "root spelled through a link", root: alias, in: "a.pdf", want: "a.pdf"},
		{name: "absolute path through the root's link", root: alias, in: filepath.Join(alias, "a.pdf"), want: "a.pdf"},
		{name: "dot-dot escape", in: "../outside.pdf", wantErr: ErrOutside},
		{name: "deep dot-dot escape", in: "sub/../../outside.pdf", wantErr: ErrOutside},
		{name: "absolute path outside", in: "/etc/passwd", wantErr: ErrOutside},
		{name: "absolute path dot-dot out", in: root + "/../outside.pdf", wantErr: ErrOutside},
		{name: "symlink to /etc", in: "link-etc/passwd", wantErr: ErrOutside},
		{name: "symlink to /etc itself", in: "link-etc", wantErr: ErrOutside},
		{name: "relative symlink up", in: "link-up", wantErr: ErrOutside},
		{name: "nested symlink out", in: "sub/loop-out", wantErr: ErrOutside},
		{name: "sibling with the root as prefix", in: root + "-other/x.pdf", wantErr: ErrOutside},
		{name: "empty", in: "", wantErr: ErrEmpty},
		{name: "missing file", in: "nope.pdf", wantErr: fs.ErrNotExist},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := root
			if tc.root != "" {
				r = tc.root
			}
			got, err := Resolve(r, tc.in)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Resolve(%q) = %q, %v; want error %v", tc.in, got, err, tc.wantErr)
				}
				if tc.in != "" && strings.Contains(err.Error(), tc.in) {
					t.Errorf("error %q repeats the name", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve(%q): %v", tc.in, err)
			}
			if want := filepath.Join(root, tc.want); got != want {
				t.Errorf("Resolve(%q) = %q, want %q", tc.in, got, want)
			}
		})
	}
}

func TestResolveBadRoot(t *testing.T) {
	base, _ := layout(t)
	for _, r := range []string{"", filepath.Join(base, "missing"), filepath.Join(base, "outside.pdf")} {
		if _, err := Resolve(r, "a.pdf"); err == nil {
			t.Errorf("root %q accepted", r)
		}
	}
}

func TestOpen(t *testing.T) {
	_, root := layout(t)
	f, err := Open(root, "link-in")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(f)
	_ = f.Close()
	if string(data) != "content of b.pdf" {
		t.Errorf("read %q", data)
	}
	for _, in := range []string{"link-etc/passwd", "../outside.pdf", "/etc/passwd"} {
		if f, err := Open(root, in); !errors.Is(err, ErrOutside) {
			if f != nil {
				_ = f.Close()
			}
			t.Errorf("Open(%q): %v, want ErrOutside", in, err)
		}
	}
}
