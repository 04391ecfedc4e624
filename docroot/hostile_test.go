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

// Hostile names: every one is refused (outside, missing or unreadable),
// none opens a file outside the folder, and no error repeats the name.
func TestHostileNames(t *testing.T) {
	base, root := layout(t)
	must(t, os.Symlink("loop-b", filepath.Join(root, "loop-a")))
	must(t, os.Symlink("loop-a", filepath.Join(root, "loop-b")))
	must(t, os.Symlink("link-up", filepath.Join(root, "chain"))) // link to a link that leads out
	must(t, os.Symlink(filepath.Join(base, "alias", "..", "outside.pdf"), filepath.Join(root, "via-alias")))
	names := []string{
		"..", "../outside.pdf", "sub/../../outside.pdf", "./../outside.pdf", "sub/../../docs/../outside.pdf",
		"....//outside.pdf", "..\\outside.pdf", "%2e%2e/outside.pdf", "a.pdf\x00/../../outside.pdf",
		filepath.Join(base, "outside.pdf"), filepath.Join(root, "..", "outside.pdf"), "/etc/passwd", "//etc/passwd",
		"link-etc/passwd", "link-up", "chain", "via-alias", "loop-a", "sub/loop-out", "link-dir/../../outside.pdf",
		strings.Repeat("a/", 5000) + "x.pdf", strings.Repeat("../", 100) + "etc/passwd",
	}
	secret, err := os.ReadFile(filepath.Join(base, "outside.pdf"))
	must(t, err)
	for _, name := range names {
		real, err := Resolve(root, name)
		if err == nil {
			if !within(root, real) {
				t.Errorf("Resolve(%q) = %q, outside", name, real)
			}
		} else if len(name) > 3 && strings.Contains(err.Error(), name) {
			t.Errorf("Resolve(%q): the error repeats the name: %v", name, err)
		}
		f, err := Open(root, name)
		if err != nil {
			if !errors.Is(err, ErrOutside) && !errors.Is(err, fs.ErrNotExist) && err.Error() == "" {
				t.Errorf("Open(%q): empty error", name)
			}
			continue
		}
		got, _ := io.ReadAll(f)
		f.Close()
		if string(got) == string(secret) {
			t.Errorf("Open(%q) read the file outside the folder", name)
		}
	}
}

// A file checked inside the folder and then replaced by a link to a file
// outside is refused by Open (os.Root), not followed.
func TestSwapAfterCheckIsRefused(t *testing.T) {
	base, root := layout(t)
	p := filepath.Join(root, "report.pdf")
	must(t, os.WriteFile(p, []byte("inside"), 0o644))
	if _, err := Resolve(root, "report.pdf"); err != nil {
		t.Fatal(err)
	}
	must(t, os.Remove(p))
	must(t, os.Symlink(filepath.Join(base, "outside.pdf"), p))
	f, err := Open(root, "report.pdf")
	if err == nil {
		b, _ := io.ReadAll(f)
		f.Close()
		t.Fatalf("opened a link swapped to outside: %q", b)
	}
	if !errors.Is(err, ErrOutside) {
		t.Fatalf("err = %v, want ErrOutside", err)
	}
}
