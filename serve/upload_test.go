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
	c := sf.mustDial("frontdesk", testKey{signer: sf.signer})
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	in, _ := sess.StdinPipe()
	outp, _ := sess.StdoutPipe()
	if err := sess.Start("scp -t ."); err != nil {
		t.Fatal(err)
	}
	ack := func(when string) {
		t.Helper()
		b := make([]byte, 1)
		if _, err := outp.Read(b); err != nil || b[0] != 0 {
			t.Fatalf("no scp acknowledgement %s: %v %q", when, err, b)
		}
	}
	send := func(s string) {
		t.Helper()
		if _, err := in.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	ack("at start")
	send("C0644 8 scan.pdf\n")
	ack("of the first header")
	send("%PDF\x00\x00\x00\x00\x01scp: scan.pdf: Input/output error\n") // four bytes, four of padding, the error
	ack("of the failed file")
	send("C0644 5 labs.txt\n")
	ack("of the second header")
	send("hello\x00")
	ack("of the second file")
	_ = in.Close()
	err = sess.Wait()
	var exit *gossh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Errorf("exit %v, want status 1 (one file failed)", err)
	}
	user := filepath.Join(sf.inbox, "frontdesk")
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
