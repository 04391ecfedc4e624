package serve

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

// TestSCPClientReadErrorKeepsNothing speaks scp's protocol as OpenSSH's scp
// does when it cannot finish reading a local file (a removed USB stick, a
// network drive gone): it pads the rest of the file with zeros and sends an
// error status instead of the 0 that ends a good file. That file must not
// be kept (it would be attachable, zero-padded), and the next file of the
// same command still arrives.
func TestSCPClientReadErrorKeepsNothing(t *testing.T) {
	sf := startScp(t, true)
	r := startRawScp(t, sf)
	r.send([]byte("C0644 8 scan.pdf\n"))
	r.ack("of the first header")
	r.send([]byte("%PDF\x00\x00\x00\x00\x01scp: scan.pdf: Input/output error\n")) // four bytes, four of padding, the error
	r.ack("of the failed file")
	r.send([]byte("C0644 5 labs.txt\n"))
	r.ack("of the second header")
	r.send([]byte("hello\x00"))
	r.ack("of the second file")
	_ = r.in.Close()
	err := r.sess.Wait()
	var exit *gossh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Errorf("exit %v, want status 1 (one file failed)", err)
	}
	user := filepath.Join(sf.inbox, "Desk_3")
	if _, err := os.Stat(filepath.Join(user, "scan.pdf")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the file the client could not read was kept (err %v)", err)
	}
	if b, err := os.ReadFile(filepath.Join(user, "labs.txt")); err != nil || string(b) != "hello" {
		t.Errorf("the next file: %q %v", b, err)
	}
	ents, _ := os.ReadDir(user)
	if len(ents) != 1 {
		t.Errorf("inbox holds %d entries, want only labs.txt", len(ents))
	}
	logs := sf.log.String()
	if !strings.Contains(logs, "the client could not read the file") || strings.Contains(logs, "scan.pdf") {
		t.Errorf("log:\n%s", logs)
	}
}
