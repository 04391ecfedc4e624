package serve

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"refdesk/internal/testkit"
)

// A desk's inbox has a quota: the file that would pass it is refused with
// a message OpenSSH's scp shows, and nothing of it is kept.
func TestSCPInboxQuota(t *testing.T) {
	sf := startScpWith(t, true, func(o *Options) { o.InboxQuota = 5000 })
	first, _ := local(t, "first.pdf", 3000)
	if out, code := sf.scp(sf.keyFile, first, remote("")); code != 0 {
		t.Fatalf("the first file: exit %d: %s", code, out)
	}
	second, _ := local(t, "second.pdf", 3000)
	out, code := sf.scp(sf.keyFile, second, remote(""))
	if code == 0 || !strings.Contains(out, "your inbox on the server is full: 3.0 kB of 5.0 kB used, and this file is 3.0 kB") {
		t.Fatalf("over the quota: exit %d: %q", code, out)
	}
	if _, err := os.Stat(filepath.Join(sf.inbox, "Desk_3", "second.pdf")); err == nil {
		t.Fatal("the file over the quota was kept")
	}
}

// Uploads are refused while the disk would keep less than MinFree.
func TestSCPDiskNearlyFull(t *testing.T) {
	sf := startScpWith(t, true, func(o *Options) { o.MinFree = 1 << 62 })
	f, _ := local(t, "scan.pdf", 100)
	out, code := sf.scp(sf.keyFile, f, remote(""))
	if code == 0 || !strings.Contains(out, "the server's disk is nearly full") || !strings.Contains(out, "nothing was saved") {
		t.Fatalf("exit %d: %q", code, out)
	}
	if ents, _ := os.ReadDir(filepath.Join(sf.inbox, "Desk_3")); len(ents) != 0 {
		t.Fatalf("the inbox holds %d entries", len(ents))
	}
}

// An upload takes a place under MaxSessions: with one place, a desk cannot
// connect while a file is on its way.
func TestSCPUploadCountsTowardMaxSessions(t *testing.T) {
	sf := startScpWith(t, true, func(o *Options) { o.MaxSessions = 1 })
	r := startRawScp(t, sf)
	r.send([]byte("C0644 10 slow.pdf\n"))
	r.ack("of the header")
	c := sf.mustDial("frontdesk", testkit.Key{Signer: sf.signer})
	tm := openTerm(t, c, true)
	tm.waitFor("at its limit of 1 desks")
	r.send([]byte("0123456789\x00"))
	r.ack("of the file")
	_ = r.in.Close()
	_ = r.sess.Wait()
	waitUntil(t, "the place to be given back", func() bool { return sf.srv.Sessions() == 0 })
}

// Shutdown waits for an upload under way: one that finishes within the
// grace is kept; one that does not is cut, the client told, and nothing of
// it is left.
func TestShutdownWaitsForUploads(t *testing.T) {
	sf := startScp(t, true)
	done := startRawScp(t, sf)
	done.send([]byte("C0644 10 finished.pdf\n"))
	done.ack("of the header")
	cut := startRawScp(t, sf)
	cut.send([]byte("C0644 100000 cut.pdf\n"))
	cut.ack("of the header")
	cut.send(make([]byte, 1000))

	stopped := make(chan error, 1)
	start := time.Now()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stopped <- sf.srv.Shutdown(ctx)
	}()
	time.Sleep(200 * time.Millisecond)
	select {
	case err := <-stopped:
		t.Fatalf("Shutdown returned while uploads were under way: %v", err)
	default:
	}
	done.send([]byte("0123456789\x00"))
	done.ack("of the finished file")
	_ = done.in.Close()
	_ = done.sess.Wait()
	msg, _ := io.ReadAll(cut.out)
	if !strings.Contains(string(msg), "the server is shutting down; nothing was saved") {
		t.Errorf("the cut upload's client read %q", msg)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("the upload was cut after %s, before the grace", took)
	}
	user := filepath.Join(sf.inbox, "Desk_3")
	if b, err := os.ReadFile(filepath.Join(user, "finished.pdf")); err != nil || string(b) != "0123456789" {
		t.Errorf("the upload finished within the grace: %q %v", b, err)
	}
	waitUntil(t, "the cut upload's temporary file to go", func() bool {
		ents, _ := os.ReadDir(user)
		return len(ents) == 1
	})
	if r := startRawScpErr(sf); r == nil {
		t.Error("an upload started after Shutdown")
	}
}

// startRawScpErr opens an scp session and reports its error, if any.
func startRawScpErr(sf *scpFixture) error {
	c, err := sf.dial("frontdesk", gossh.PublicKeys(sf.signer))
	if err != nil {
		return err
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		return err
	}
	defer sess.Close()
	out, err := sess.CombinedOutput("scp -t .")
	if err == nil && len(out) > 0 && out[0] == 0 {
		return nil
	}
	return errors.New("refused")
}
