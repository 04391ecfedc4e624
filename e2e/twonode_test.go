//go:build unix

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/internal/testkit"
)

// Issue 16's two-node test, sized to stay under two minutes.
const (
	twoNodeDesksPerNode = 2
	twoNodeReferrals    = 200 // in all, from the 2×2 sending desks
	twoNodeTallRows     = 150 // node B's screens: the pane holds ~48 referrals
)

var sentLine = regexp.MustCompile(`Sent: referral #(\d+)`)

// twoNodes is the running rig: the sandbox, the tap, the two nodes.
type twoNodes struct {
	tap        *webhookTap
	base       string // the sandbox's /v1 URL
	a, b       *server
	dataB      string
	database   string // "" on SQLite (one data directory for both)
	keys       map[string]testkit.Key
	docs       string
	engineName string
}

// TestTwoNodes: two `refdesk serve` processes share one store (PostgreSQL
// when REFDESK_TEST_DATABASE_URL is set and this build has the engine;
// otherwise one SQLite data directory, which the change feed and leases
// also serve across processes), and one Cobalt (`refdesk sandbox`, its
// webhooks sent to node A only, through a tap that times them). Four desks
// (SSH clients with PTYs, two per node) type and send 200 referrals; node
// B has a third desk that only watches. Halfway, both of A's desks fill a
// form up to the review and pause (the draft is saved), and A is killed
// with SIGKILL while B's desks keep sending; A's desks connect to B (as a
// balancer would send them), are offered their draft, resume it, send it,
// and go on. In the end every referral is Completed, Failed or flagged for
// a person; the sandbox holds each exactly once (no POST twice); and each
// of B's three desks showed every referral's final status on its screen
// (the pane's rows as the SSH client's terminal emulator held them after
// each read). Figures logged: webhook at A → B's screens p50/p99 (EHR id
// on screen), B taking the Cobalt lease after the kill, and the referrals
// in flight at the kill reaching B's screens.
func TestTwoNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("two-node test: heavy (two serve processes, five SSH desks, 200 referrals); not under -short")
	}
	rig := startTwoNodes(t)
	t.Logf("store: %s", rig.engineName)

	// Node B's desks: two senders and a watcher, on tall screens so the
	// pane keeps the late completions in view.
	watchers := map[string]*screenLog{}
	var bDesks []*sshTerm
	for _, name := range []string{"desk-b0", "desk-b1", "watch-b2"} {
		d := openDesk(t, rig.b, name, rig.keys[name], 140, twoNodeTallRows)
		watchers[name] = watchScreen(d)
		bDesks = append(bDesks, d)
	}
	var sentCount atomic.Int64
	perDesk := twoNodeReferrals / (2 * twoNodeDesksPerNode)
	readyToKill := make(chan string, twoNodeDesksPerNode)
	killed := make(chan struct{})
	var killAt time.Time
	var inFlightAtKill []int64 // referrals not final in the store when A died

	// Each desk is a person at a workstation: they type at once, each on
	// its own goroutine (goT: a failure ends that goroutine, not the test's).
	var wg sync.WaitGroup
	failed := make(chan struct{}) // closed by the first desk that fails
	var failOnce sync.Once
	desk := func(name string, f func(t testing.TB)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(&goT{TB: t, name: name, failed: func() { failOnce.Do(func() { close(failed) }) }})
		}()
	}
	for i := 0; i < twoNodeDesksPerNode; i++ {
		name := fmt.Sprintf("desk-a%d", i)
		desk(name, func(t testing.TB) {
			d := openDesk(t, rig.a, name, rig.keys[name], 140, 45)
			seen := map[string]bool{}
			for k := 0; k < perDesk/2; k++ {
				sendOne(t, d, name, k, seen)
				sentCount.Add(1)
			}
			// Halfway: a form filled to the review, not sent; the draft is
			// saved after a pause in typing.
			half := twoNodeForm(name, perDesk/2)
			fillForm(d, half)
			waitDraft(t, rig.store(), name, half.Reason[0])
			readyToKill <- name
			select {
			case <-killed:
			case <-failed:
				return
			}
			if _, ok := d.Ended(15 * time.Second); !ok {
				d.Fatalf("%s's session did not end when node A was killed", name)
			}
			// Through the balancer to node B: the draft is offered.
			d = openDesk(t, rig.b, name, rig.keys[name], 140, 45)
			d.WaitText(20*time.Second, "Resume your draft?", "Doe, John")
			d.Type("y")
			d.WaitText(step, "Draft resumed.")
			d.Press("ctrl+s")
			d.WaitText(step, "Review — exactly what will be sent", half.Reason[0])
			sendFromReview(t, d, seen)
			sentCount.Add(1)
			for k := perDesk/2 + 1; k < perDesk; k++ {
				sendOne(t, d, name, k, seen)
				sentCount.Add(1)
			}
		})
	}
	for i := 0; i < twoNodeDesksPerNode; i++ {
		name, d := fmt.Sprintf("desk-b%d", i), bDesks[i]
		desk(name, func(t testing.TB) {
			d.t = t // its failures end this goroutine
			seen := map[string]bool{}
			for k := 0; k < perDesk; k++ {
				sendOne(t, d, name, k, seen)
				sentCount.Add(1)
			}
		})
	}
	desk("kill", func(t testing.TB) {
		defer close(killed)
		for i := 0; i < twoNodeDesksPerNode; i++ {
			select {
			case <-readyToKill:
			case <-failed:
				return
			case <-time.After(90 * time.Second):
				t.Fatalf("node A's desks did not reach the halfway form within 90s")
			}
		}
		inFlightAtKill = notFinal(t, rig)
		killAt = time.Now()
		if err := rig.a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("SIGKILL: %v", err)
		}
		<-rig.a.exited
		t.Logf("node A killed after %d referrals sent; %d not final in the store then", sentCount.Load(), len(inFlightAtKill))
	})
	wg.Wait()
	for _, d := range bDesks {
		d.t = t
	}
	if t.Failed() {
		return
	}

	// Every referral ends Completed, Failed or flagged.
	var rows []referralJSON
	if !testkit.Poll(60*time.Second, 500*time.Millisecond, func() bool {
		rows = storeReferrals(t, rig)
		return len(rows) == twoNodeReferrals && len(unsettled(rows)) == 0
	}) {
		t.Fatalf("after 60s, %d referrals in the store (want %d), not final: %v\nnode B:\n%s",
			len(rows), twoNodeReferrals, unsettled(rows), tail(rig.b.Output(), 3000))
	}
	// None sent twice: the sandbox accepted each typed reason once.
	perReason := map[string]int{}
	for _, r := range sandboxReferrals(t, rig.base) {
		perReason[r.Reason]++
	}
	reasons := map[string]bool{}
	for _, r := range rows {
		if reasons[r.Reason] {
			t.Errorf("two local referrals with reason %q", r.Reason)
		}
		reasons[r.Reason] = true
		if n := perReason[r.Reason]; n != 1 && r.Attention == "" {
			t.Errorf("referral #%d (%q, %s) reached the sandbox %d times", r.ID, r.Reason, r.Status, n)
		}
	}
	if len(perReason) != len(rows) {
		t.Errorf("the sandbox holds %d distinct referrals, the store %d", len(perReason), len(rows))
	}

	// Every desk on B showed every referral's final status.
	final := map[string]string{"completed": "COMPLETED ✓", "failed": "FAILED ✗", "unknown": "UNKNOWN ?", "not_sent": "NOT SENT ✗"}
	for name, l := range watchers {
		var missing []string
		testkit.Poll(30*time.Second, 200*time.Millisecond, func() bool {
			missing = missing[:0]
			for _, r := range rows {
				if _, ok := l.sawStatus(r.ID, final[r.Status]); !ok {
					missing = append(missing, fmt.Sprintf("#%d %s", r.ID, r.Status))
				}
			}
			return len(missing) == 0
		})
		if len(missing) > 0 {
			t.Errorf("%s on node B never showed %d final statuses: %v", name, len(missing), missing)
		}
	}
	rig.figures(t, watchers, rows, killAt, inFlightAtKill)
}

// goT is a test's TB for one goroutine: Fatalf reports the failure on the
// test, prefixed with the goroutine's name, and ends only this goroutine.
type goT struct {
	testing.TB
	name   string
	failed func() // tells the other goroutines to stop
}

func (g *goT) Fatalf(format string, args ...any) {
	g.TB.Helper()
	g.TB.Errorf(g.name+": "+format, args...)
	g.failed()
	runtime.Goexit()
}

func (g *goT) Fatal(args ...any) { g.Fatalf("%s", fmt.Sprint(args...)) }

// twoNodeForm is desk name's k-th referral: the same patient and
// providers, a reason of its own (no duplicate warning; the sandbox is
// asked by it).
func twoNodeForm(name string, k int) referral {
	r := outgoingWithLetter
	r.Reason = []string{fmt.Sprintf("Two-node %s referral %d", name, k)}
	r.Document, r.Codes = "", "I10"
	return r
}

// sendOne types desk name's k-th referral and sends it.
func sendOne(t testing.TB, d *sshTerm, name string, k int, seen map[string]bool) {
	fillForm(d, twoNodeForm(name, k))
	sendFromReview(t, d, seen)
}

// sendFromReview presses Enter on the review and waits for the desk to
// say a new referral number was sent. An Enter that lands while the
// review's checks run is kept and sends when they pass.
func sendFromReview(t testing.TB, d *sshTerm, seen map[string]bool) {
	t.Helper()
	newSent := func(s string) bool {
		for _, m := range sentLine.FindAllStringSubmatch(s, -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				return true
			}
		}
		return false
	}
	deadline := time.Now().Add(step)
	d.Press("enter")
	for time.Now().Before(deadline) {
		s := d.Screen()
		if newSent(s) {
			return
		}
		time.Sleep(30 * time.Millisecond)
	}
	d.Fatalf("after %s the desk does not say a new “Sent: referral #”", step)
}

// referralJSON is what `refdesk referrals --json` prints, the fields used.
type referralJSON struct {
	ID         int64  `json:"id"`
	Status     string `json:"status"`
	Reason     string `json:"reason"`
	ReferralID string `json:"referral_id"`
	EHRID      string `json:"ehr_id"`
	Attention  string `json:"attention"`
}

// listReferrals runs `refdesk referrals --json` on node B's store.
func storeReferrals(t testing.TB, rig *twoNodes) []referralJSON {
	t.Helper()
	cmd := execRefdesk(nodeEnv(rig.dataB, rig.base, rig.database), "referrals", "--json")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("refdesk referrals --json: %v", err)
	}
	var rows []referralJSON
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("refdesk referrals --json: %v\n%s", err, out)
	}
	return rows
}

// notFinal lists the referrals neither Completed, Failed nor flagged.
func notFinal(t testing.TB, rig *twoNodes) []int64 {
	var ids []int64
	for _, r := range unsettled(storeReferrals(t, rig)) {
		ids = append(ids, r.ID)
	}
	return ids
}

func unsettled(rows []referralJSON) []referralJSON {
	var out []referralJSON
	for _, r := range rows {
		if r.Status != "completed" && r.Status != "failed" && r.Attention == "" {
			out = append(out, r)
		}
	}
	return out
}

// sandboxReferrals asks the sandbox for every referral it accepted.
func sandboxReferrals(t *testing.T, base string) []api.Referral {
	t.Helper()
	c := api.New(api.Config{BaseURL: base, ClientID: twoID, ClientSecret: twoSecret, AccessToken: twoToken})
	day := time.Now().UTC()
	var all []api.Referral
	for page := 1; ; page++ {
		refs, pg, err := c.Referrals(context.Background(), api.ReferralQuery{
			StartDate: day.AddDate(0, 0, -1).Format(time.DateOnly), EndDate: day.AddDate(0, 0, 1).Format(time.DateOnly),
			Page: page, PageSize: 100})
		if err != nil {
			t.Fatalf("asking the sandbox for its referrals: %v", err)
		}
		all = append(all, refs...)
		if page >= pg.TotalPages {
			return all
		}
	}
}

// figures logs the across-node latency and the take-over.
func (rig *twoNodes) figures(t *testing.T, watchers map[string]*screenLog, rows []referralJSON, killAt time.Time, inFlight []int64) {
	var lat []time.Duration
	var worst time.Duration
	worstNote := ""
	for ehr, at := range rig.tap.deliveredToA() {
		for name, l := range watchers {
			if seen, ok := l.sawEHR(ehr); ok && seen.After(at) {
				lat = append(lat, seen.Sub(at))
				if seen.Sub(at) > worst {
					worst = seen.Sub(at)
					worstNote = fmt.Sprintf("the slowest, %s on %s, arrived at A %s before the kill", ehr, name, killAt.Sub(at).Round(time.Millisecond))
				}
			}
		}
	}
	t.Log(worstNote)
	took := "(no \"lease taken\" in B's log)"
	if at, ok := rig.leaseTakenAt(); ok {
		took = at.Sub(killAt).Round(time.Millisecond).String()
	}
	var last time.Duration
	status := map[int64]string{}
	for _, r := range rows {
		status[r.ID] = r.Status
	}
	word := map[string]string{"completed": "COMPLETED ✓", "failed": "FAILED ✗", "unknown": "UNKNOWN ?", "not_sent": "NOT SENT ✗"}
	for _, id := range inFlight {
		for _, l := range watchers {
			if at, ok := l.sawStatus(id, word[status[id]]); ok && at.Sub(killAt) > last {
				last = at.Sub(killAt)
			}
		}
	}
	t.Logf("%s: webhook at node A → screen of a desk on node B: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d samples, 3 desks); "+
		"node B took the Cobalt lease %s after SIGKILL; the %d referrals in flight at the kill were final on B's screens %s after it",
		rig.engineName, ms(percentile(lat, 0.5)), ms(percentile(lat, 0.99)), ms(percentile(lat, 1)), len(lat),
		took, len(inFlight), last.Round(time.Millisecond))
}

// leaseTakenAt is when node B's log said it took the Cobalt lease (the
// text log's time= field), the last time it did.
func (rig *twoNodes) leaseTakenAt() (time.Time, bool) {
	var at time.Time
	for _, l := range strings.Split(rig.b.Output(), "\n") {
		if !strings.Contains(l, "lease taken") {
			continue
		}
		f := strings.Fields(l)
		if len(f) > 0 && strings.HasPrefix(f[0], "time=") {
			if ts, err := time.Parse(time.RFC3339Nano, strings.TrimPrefix(f[0], "time=")); err == nil {
				at = ts
			}
		}
	}
	return at, !at.IsZero()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
