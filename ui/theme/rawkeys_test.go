package theme

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoRawKeyMatches reads the source of every ui package (tests and the
// test driver aside) and fails where a key is matched by its name instead
// of through a binding of Keys: `kp.String() == "enter"`, `kp.Text == "q"`,
// `switch msg.String() { case "esc": … }`. A key matched there would
// work without being in the keymap or in any help.
func TestNoRawKeyMatches(t *testing.T) {
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "internal" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files++
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BinaryExpr:
				if (n.Op == token.EQL || n.Op == token.NEQ) &&
					(keyName(n.X) && isString(n.Y) || keyName(n.Y) && isString(n.X)) {
					t.Errorf("%s: a key matched by its name; use a binding of theme.Keys", fset.Position(n.Pos()))
				}
			case *ast.SwitchStmt:
				if n.Tag != nil && keyName(n.Tag) {
					t.Errorf("%s: a switch on a key's name; use key.Matches with theme.Keys", fset.Position(n.Pos()))
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 30 {
		t.Fatalf("read %d files of ui: the walk missed the packages", files)
	}
}

// keyName reports whether e reads a key press's name: x.String() or x.Text
// on a value whose name says it is a key (k, kp, msg, key…).
func keyName(e ast.Expr) bool {
	var sel *ast.SelectorExpr
	switch e := e.(type) {
	case *ast.CallExpr:
		s, ok := e.Fun.(*ast.SelectorExpr)
		if !ok || s.Sel.Name != "String" || len(e.Args) != 0 {
			return false
		}
		sel = s
	case *ast.SelectorExpr:
		if e.Sel.Name != "Text" {
			return false
		}
		sel = e
	default:
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	switch id.Name {
	case "k", "kp", "msg", "key", "keyMsg", "press":
		return true
	}
	return false
}

func isString(e ast.Expr) bool {
	l, ok := e.(*ast.BasicLit)
	return ok && l.Kind == token.STRING && l.Value != `""` // "" asks whether a key types text
}
