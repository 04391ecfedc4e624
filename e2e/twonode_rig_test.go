//go:build unix

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/internal/testkit"
	"refdesk/state"
)

// The shared Cobalt of the two-node test: `refdesk sandbox` as its own
// process, with fixed credentials and a webhook secret, its webhooks
// registered to a tap that forwards them to node A.
const (
	twoID, twoSecret, twoToken = "cid_twonode", "csecret_twonode", "token_twonode"
	twoWebhookSecret           = "whsec_twonode_0123456789abcdef"
)

var sandboxLine = regexp.MustCompile(`listening on (http://\S+/v1)`)

// startSandboxProcess runs `refdesk sandbox` on a free loopback port,
// delivering webhooks to webhookURL, and returns its base URL.
func startSandboxProcess(t testing.TB, webhookURL string, extra ...string) string {
	t.Helper()
	args := append([]string{"sandbox", "--addr", "127.0.0.1:0", "--webhook-url", webhookURL,
		"--webhook-secret", twoWebhookSecret}, extra...)
	cmd := exec.Command(refdeskBin, args...)
	cmd.Env = append(appEnv(t.TempDir()), "COBALT_CLIENT_ID="+twoID, "COBALT_CLIENT_SECRET="+twoSecret, "COBALT_ACCESS_TOKEN="+twoToken)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("start refdesk sandbox: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := sandboxLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case u := <-found:
		return u
	case <-time.After(20 * time.Second):
		t.Fatal("refdesk sandbox did not print its address within 20s")
	}
	return ""
}

// nodeEnv is the environment of a serve node on the shared Cobalt.
func nodeEnv(dataDir, base, databaseURL string) []string {
	env := appEnv(dataDir, "COBALT_BASE_URL="+base, "COBALT_CLIENT_ID="+twoID, "COBALT_CLIENT_SECRET="+twoSecret,
		"COBALT_ACCESS_TOKEN="+twoToken, "COBALT_WEBHOOK_SECRET="+twoWebhookSecret)
	if databaseURL != "" {
		env = append(env, "REFDESK_DATABASE_URL="+databaseURL)
	}
	return env
}

// webhookTap stands between the sandbox and node A's receiver, as the
// balancer's webhook port would: it notes when each referral.created
// webhook arrives (the start of the across-node latency) and forwards it
// unchanged, signature headers included. Once A is gone, it answers 502,
// as a balancer with no node behind it does.
type webhookTap struct {
	srv *httptest.Server

	mu       sync.Mutex
	target   string               // node A's webhook URL
	arrived  map[string]time.Time // EHR id → when its referral.created webhook first arrived
	accepted map[string]bool      // EHR id → node A answered that webhook 2xx
	answered int                  // deliveries the target answered 2xx, of any event
}

func newWebhookTap(t testing.TB) *webhookTap {
	tap := &webhookTap{arrived: map[string]time.Time{}, accepted: map[string]bool{}}
	tap.srv = httptest.NewServer(http.HandlerFunc(tap.serve))
	t.Cleanup(tap.srv.Close)
	return tap
}

func (tap *webhookTap) URL() string { return tap.srv.URL + api.WebhookPath }

func (tap *webhookTap) setTarget(webhookAddr string) {
	tap.mu.Lock()
	tap.target = "http://" + webhookAddr + api.WebhookPath
	tap.mu.Unlock()
}

func (tap *webhookTap) serve(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var ev struct {
		Type string `json:"type"`
		Data struct {
			EHRID string `json:"ehr_id"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &ev)
	ehr := ""
	tap.mu.Lock()
	target := tap.target
	if ev.Type == api.EventReferralCreated && ev.Data.EHRID != "" {
		ehr = ev.Data.EHRID
		if _, ok := tap.arrived[ehr]; !ok {
			tap.arrived[ehr] = at
		}
	}
	tap.mu.Unlock()
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, "node A does not answer", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		tap.mu.Lock()
		tap.answered++
		if ehr != "" {
			tap.accepted[ehr] = true
		}
		tap.mu.Unlock()
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// answeredCount is the number of deliveries the target answered 2xx.
func (tap *webhookTap) answeredCount() int {
	tap.mu.Lock()
	defer tap.mu.Unlock()
	return tap.answered
}

// deliveredToA lists the EHR ids whose created webhook node A accepted,
// with when it arrived.
func (tap *webhookTap) deliveredToA() map[string]time.Time {
	tap.mu.Lock()
	defer tap.mu.Unlock()
	out := map[string]time.Time{}
	for id := range tap.accepted {
		out[id] = tap.arrived[id]
	}
	return out
}

// paneRow is a pane row's first line: the status word and, after it, the
// local id (the same on every node: one database).
var paneRow = regexp.MustCompile(`(SUBMITTING|PROCESSING|COMPLETED ✓|FAILED ✗|UNKNOWN \?|NOT SENT ✗)[^#]*· #(\d+)`)

// screenLog records what one desk's screen showed, as its SSH client read
// it: when each EHR id first appeared, and the statuses each referral's
// row showed.
type screenLog struct {
	mu       sync.Mutex
	ehr      map[string]time.Time
	statuses map[int64]map[string]time.Time // local id → status word → first seen
}

func watchScreen(d *sshTerm) *screenLog {
	l := &screenLog{ehr: map[string]time.Time{}, statuses: map[int64]map[string]time.Time{}}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.onChunk = func(at time.Time, v *vt) {
		v.ChangedRows(func(row string) {
			l.mu.Lock()
			defer l.mu.Unlock()
			for _, m := range ehrOnScreen.FindAllStringSubmatch(row, -1) {
				if _, ok := l.ehr[m[1]]; !ok {
					l.ehr[m[1]] = at
				}
			}
			for _, m := range paneRow.FindAllStringSubmatch(row, -1) {
				var id int64
				if err := json.Unmarshal([]byte(m[2]), &id); err != nil {
					continue
				}
				if l.statuses[id] == nil {
					l.statuses[id] = map[string]time.Time{}
				}
				if _, ok := l.statuses[id][m[1]]; !ok {
					l.statuses[id][m[1]] = at
				}
			}
		})
	}
	return l
}

// sawStatus is when the desk first showed referral id with status word
// (e.g. "COMPLETED ✓").
func (l *screenLog) sawStatus(id int64, word string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	at, ok := l.statuses[id][word]
	return at, ok
}

func (l *screenLog) sawEHR(id string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	at, ok := l.ehr[id]
	return at, ok
}

// startTwoNodes starts the sandbox, the tap and the two nodes: A first,
// holding the Cobalt lease (it syncs the directories), then B with the
// same host key.
func startTwoNodes(t *testing.T) *twoNodes {
	t.Helper()
	rig := &twoNodes{tap: newWebhookTap(t), keys: map[string]testkit.Key{}}
	root := t.TempDir()
	keysFile := filepath.Join(root, "authorized_keys")
	var ks []testkit.Key
	for _, n := range []string{"desk-a0", "desk-a1", "desk-b0", "desk-b1", "watch-b2"} {
		rig.keys[n] = testkit.NewKey(t, n)
		ks = append(ks, rig.keys[n])
	}
	writeAuthorizedKeys(t, keysFile, ks...)
	rig.docs = filepath.Join(root, "scans")
	if err := os.MkdirAll(rig.docs, 0o700); err != nil {
		t.Fatal(err)
	}
	rig.base = startSandboxProcess(t, rig.tap.URL(), "--delay", "500ms-2s", "--failure-rate", "0.1")
	rig.database, rig.engineName = pickStore(t)
	dataA := filepath.Join(root, "a")
	rig.dataB = dataA // SQLite: one data directory, so one file and one host key
	if rig.database != "" {
		rig.dataB = filepath.Join(root, "b")
	}
	args := []string{"--documents-dir", rig.docs}
	rig.a = startServeEnv(t, nodeEnv(dataA, rig.base, rig.database), dataA, keysFile, 60*time.Second, args...)
	rig.tap.setTarget(rig.a.webhookAddr)
	if !testkit.Poll(15*time.Second, 50*time.Millisecond, func() bool { return strings.Contains(rig.a.Output(), "lease taken") }) {
		t.Fatalf("node A did not take the Cobalt lease within 15s:\n%s", rig.a.Output())
	}
	if rig.database != "" {
		// Two nodes behind one balancer show desks one host key.
		if err := os.MkdirAll(rig.dataB, 0o700); err != nil {
			t.Fatal(err)
		}
		key, err := os.ReadFile(filepath.Join(dataA, "ssh_host_ed25519_key"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(rig.dataB, "ssh_host_ed25519_key"), key, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rig.b = startServeEnv(t, nodeEnv(rig.dataB, rig.base, rig.database), rig.dataB, keysFile, 60*time.Second, args...)
	if rig.b.fingerprint != rig.a.fingerprint {
		t.Fatalf("node B's host key %s is not node A's %s", rig.b.fingerprint, rig.a.fingerprint)
	}
	// Node B has the directories A synced before any desk searches them.
	if !testkit.Poll(60*time.Second, 200*time.Millisecond, func() bool { return synced(rig.b) }) {
		t.Fatalf("node B's /healthz never showed the directories synced:\nA:\n%s\nB:\n%s", rig.a.Output(), rig.b.Output())
	}
	return rig
}

// store is the nodes' store, for a test to read.
func (r *twoNodes) store() state.Options {
	return state.Options{Path: filepath.Join(r.dataB, "refdesk.db"), DatabaseURL: r.database}
}

// synced reports whether a node's /healthz shows every directory synced.
func synced(s *server) bool {
	resp, err := http.Get("http://" + s.webhookAddr + "/healthz")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var h struct {
		Directories map[string]struct {
			SyncedAt string `json:"synced_at"`
		} `json:"directories"`
	}
	if json.NewDecoder(resp.Body).Decode(&h) != nil || len(h.Directories) != 3 {
		return false
	}
	for _, d := range h.Directories {
		if d.SyncedAt == "" {
			return false
		}
	}
	return true
}

// pickStore chooses PostgreSQL (a fresh database) when the tests have a
// server and this build has the engine; otherwise one SQLite data
// directory for both nodes. It names the choice for the log.
func pickStore(t *testing.T) (databaseURL, name string) {
	if testkit.PostgresURL() == "" {
		return "", "SQLite, one data directory for both nodes (" + testkit.PostgresEnv + " is not set)"
	}
	u := testkit.Postgres(t)
	d, err := state.Open(context.Background(), state.Options{DatabaseURL: u, Path: filepath.Join(t.TempDir(), "unused.db")})
	if err != nil && strings.Contains(err.Error(), "not built yet") {
		return "", "SQLite, one data directory for both nodes (this build has no PostgreSQL store yet)"
	}
	if err != nil {
		t.Fatalf("PostgreSQL: %v", err)
	}
	d.Close()
	return u, "PostgreSQL, one database for both nodes"
}

// execRefdesk is the binary under test with env and args.
func execRefdesk(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(refdeskBin, args...)
	cmd.Env = env
	return cmd
}
