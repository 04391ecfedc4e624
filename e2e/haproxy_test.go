//go:build unix

package e2e

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"refdesk/internal/testkit"
)

// haproxyConfig is packaging/haproxy.cfg.example's balancing on loopback:
// the same mode tcp frontends, health check and cut sessions, with plain
// HTTP on the webhook port (no certificate in the test) and checks every
// 500 ms instead of 2 s.
const haproxyConfig = `global
    maxconn 200
defaults
    mode    tcp
    timeout connect 2s
    timeout client  1h
    timeout server  1h
    timeout check   2s
    option  redispatch
    retries 3
frontend refdesk_ssh
    bind {{ssh}}
    default_backend refdesk_ssh_nodes
backend refdesk_ssh_nodes
    balance leastconn
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2 on-marked-down shutdown-sessions
    server node-a {{a.ssh}} check port {{a.webport}}
    server node-b {{b.ssh}} check port {{b.webport}}
frontend refdesk_webhooks
    bind {{web}}
    default_backend refdesk_webhook_nodes
backend refdesk_webhook_nodes
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
    server node-a {{a.web}} check
    server node-b {{b.web}} check
`

// TestTwoNodesBehindHAProxy: Debian's haproxy balances two serve nodes as
// the README's example does. A desk connects through it and sends a
// referral, which completes by a webhook that also came through it; the
// desk fills a second one to the review, and the node it is on is killed
// with SIGKILL. Connecting again through the balancer reaches the other
// node, which offers the draft; resumed and sent, it completes too.
func TestTwoNodesBehindHAProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("haproxy test: two serve processes and a balancer; not under -short")
	}
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		t.Skip("haproxy is not installed (apt-get install haproxy; .ci/run installs it)")
	}
	rig := startTwoNodes(t)
	sshAddr, webAddr := freeAddr(t), freeAddr(t)
	port := func(addr string) string { _, p, _ := net.SplitHostPort(addr); return p }
	cfg := strings.NewReplacer("{{ssh}}", sshAddr, "{{web}}", webAddr,
		"{{a.ssh}}", rig.a.sshAddr, "{{a.web}}", rig.a.webhookAddr, "{{a.webport}}", port(rig.a.webhookAddr),
		"{{b.ssh}}", rig.b.sshAddr, "{{b.web}}", rig.b.webhookAddr, "{{b.webport}}", port(rig.b.webhookAddr)).Replace(haproxyConfig)
	cfgPath := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	hp := exec.Command(bin, "-db", "-f", cfgPath)
	var hpOut testkit.Buffer
	hp.Stdout, hp.Stderr = &hpOut, &hpOut
	if err := hp.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hp.Process.Kill(); _ = hp.Wait() })
	rig.tap.setTarget(webAddr) // the sandbox's webhooks now go through the balancer
	balancer := &server{t: t, sshAddr: sshAddr, fingerprint: rig.a.fingerprint}
	time.Sleep(1500 * time.Millisecond) // both nodes checked up (rise 2 × 500 ms)

	name := "desk-a0"
	d := openDesk(t, balancer, name, rig.keys[name], 140, 45)
	on, other := rig.nodeWithSession(t)
	seen := map[string]bool{}
	sendOne(t, d, name, 0, seen)
	d.WaitFor(20*time.Second, "the referral final in the pane", func(s string) bool {
		p := paneText(s)
		return strings.Contains(p, "COMPLETED ✓") || strings.Contains(p, "FAILED ✗")
	})

	t.Logf("the desk came through the balancer to node %s; it is killed", map[bool]string{true: "A", false: "B"}[on == rig.a])
	half := twoNodeForm(name, 1)
	fillForm(d, half)
	waitDraft(t, rig.store(), name, half.Reason[0]) // saved 0.6 s after typing pauses
	if err := on.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-on.exited
	if _, ok := d.Ended(10 * time.Second); !ok {
		d.Fatalf("the desk's session did not end when its node was killed")
	}
	d = openDesk(t, balancer, name, rig.keys[name], 140, 45)
	d.WaitText(20*time.Second, "Resume your draft?", "Doe, John")
	if n := sessions(other); n != 1 {
		t.Errorf("the surviving node has %d sessions after the reconnect, want 1", n)
	}
	d.Type("y")
	d.WaitText(step, "Draft resumed.")
	d.Press("ctrl+s")
	d.WaitText(step, "Review — exactly what will be sent", half.Reason[0])
	sendFromReview(t, d, seen)
	d.WaitFor(30*time.Second, "both referrals final in the pane", func(s string) bool {
		p := paneText(s)
		return strings.Count(p, "COMPLETED ✓")+strings.Count(p, "FAILED ✗") >= 2
	})
	// Both webhooks reached a node through the balancer, the second after
	// the kill (a referral's single event: created or failed).
	if !testkit.Poll(30*time.Second, 100*time.Millisecond, func() bool { return rig.tap.answeredCount() >= 2 }) {
		t.Errorf("the nodes behind the balancer accepted %d webhooks, want 2\nhaproxy:\n%s", rig.tap.answeredCount(), hpOut.String())
	}
	if strings.Contains(hpOut.String(), "[ALERT]") {
		t.Errorf("haproxy alerts:\n%s", hpOut.String())
	}
}

// nodeWithSession is the node holding the one desk session, and the other.
func (rig *twoNodes) nodeWithSession(t *testing.T) (on, other *server) {
	t.Helper()
	var a, b int
	testkit.Poll(20*time.Second, 50*time.Millisecond, func() bool {
		a, b = sessions(rig.a), sessions(rig.b)
		return a+b == 1
	})
	switch {
	case a == 1 && b == 0:
		return rig.a, rig.b
	case b == 1 && a == 0:
		return rig.b, rig.a
	}
	t.Fatalf("sessions: node A %d, node B %d; want one in all", a, b)
	return nil, nil
}

// sessions is a node's session count from GET /healthz (-1: no answer).
func sessions(s *server) int {
	resp, err := http.Get("http://" + s.webhookAddr + "/healthz")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var h struct {
		Sessions *int `json:"sessions"`
	}
	if json.NewDecoder(resp.Body).Decode(&h) != nil || h.Sessions == nil {
		return -1
	}
	return *h.Sessions
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
