package serve

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"refdesk/internal/testkit"
)

func heapMB() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc >> 20
}

// A 1x1 terminal works: the model gets its size and keys, the screen shows
// what fits (the top-left character), and a larger window shows the rest.
func TestTinyWindow(t *testing.T) {
	alice := testkit.NewKey(t, "alice")
	f := startServer(t, []string{alice.Line}, nil)
	tm := openSized(t, f.mustDial("alice", alice), 1, 1)
	said := func(s string) {
		t.Helper()
		waitUntil(t, "the model to see "+s, func() bool { return f.ev.has("said:" + s) })
	}
	said(`hello alice login="alice" 1x1 term=xterm-256color`)
	tm.send("x")
	said("key x from alice")
	if strings.Contains(tm.out.String(), "key x") {
		t.Errorf("a 1x1 screen was sent a whole line: %q", tm.out.String())
	}
	if err := tm.sess.WindowChange(24, 80); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("key x from alice")
	if err := tm.sess.WindowChange(1, 1); err != nil {
		t.Fatal(err)
	}
	tm.send("q")
	if code := tm.exit(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// A client claiming a 10000x10000 terminal (100 million cells) neither
// crashes the server nor makes it allocate a screen of that size: the
// size is bounded before the renderer sees it, and other desks go on.
func TestHugeWindow(t *testing.T) {
	alice, bob := testkit.NewKey(t, "alice"), testkit.NewKey(t, "bob")
	f := startServer(t, []string{alice.Line, bob.Line}, nil)
	other := openTerm(t, f.mustDial("bob", bob), true)
	other.waitFor("desk of bob")
	before := heapMB()
	huge := openSized(t, f.mustDial("alice", alice), 10000, 10000)
	huge.waitFor("desk of alice")
	huge.waitFor(fmt.Sprintf("%dx%d term=", maxWidth, maxHeight))
	if strings.Contains(huge.out.String(), "10000x10000") {
		t.Errorf("the model was given 10000x10000: %q", huge.out.String()[:200])
	}
	if err := huge.sess.WindowChange(10000, 10000); err != nil {
		t.Fatal(err)
	}
	huge.send("x")
	huge.waitFor("key x from alice")
	if grew := heapMB() - min(before, heapMB()); grew > 256 {
		t.Errorf("the heap grew by %d MB for one huge window", grew)
	}
	other.send("y")
	other.waitFor("key y from bob")
}

// 1,000 resize events, plausible and absurd, arrive in a burst: the
// session keeps answering, the last plausible size wins, other desks are
// unaffected.
func TestResizeFlood(t *testing.T) {
	alice, bob := testkit.NewKey(t, "alice"), testkit.NewKey(t, "bob")
	f := startServer(t, []string{alice.Line, bob.Line}, nil)
	other := openTerm(t, f.mustDial("bob", bob), true)
	tm := openTerm(t, f.mustDial("alice", alice), true)
	tm.waitFor("desk of alice")
	for i := range 1000 {
		w, h := 1+i%300, 1+i%97
		switch i % 10 {
		case 3:
			w, h = 0, 0
		case 7:
			w, h = 10000, 10000
		case 9:
			w, h = 65535, 1
		}
		if err := tm.sess.WindowChange(h, w); err != nil {
			t.Fatalf("resize %d: %v", i, err)
		}
	}
	if err := tm.sess.WindowChange(33, 111); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("size 111x33")
	tm.send("x")
	tm.waitFor("key x from alice")
	other.send("y")
	other.waitFor("key y from bob")
	if n := f.srv.Sessions(); n != 2 {
		t.Errorf("Sessions() = %d after the flood, want 2", n)
	}
}

// Twelve desks connecting at once to a server capped at three: exactly
// three run, nine are told the limit, and the server keeps serving.
func TestBurstOverTheCap(t *testing.T) {
	alice := testkit.NewKey(t, "alice")
	f := startServer(t, []string{alice.Line}, func(o *Options) { o.MaxSessions = 3 })
	c := f.mustDial("alice", alice)
	terms := make([]*term, 12)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := range terms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tm := openTerm(t, c, true)
			mu.Lock()
			terms[i] = tm
			mu.Unlock()
		}()
	}
	wg.Wait()
	running, refused := 0, 0
	for _, tm := range terms {
		waitUntil(t, "a desk or a refusal", func() bool {
			s := tm.out.String()
			return strings.Contains(s, "desk of alice") || strings.Contains(s, "at its limit")
		})
		if strings.Contains(tm.out.String(), "at its limit of 3 desks") {
			refused++
			if code := tm.exit(); code != 1 {
				t.Errorf("refused session exit %d", code)
			}
		} else {
			running++
		}
	}
	if running != 3 || refused != 9 {
		t.Fatalf("%d running, %d refused; want 3 and 9", running, refused)
	}
	if n := f.srv.Sessions(); n != 3 {
		t.Fatalf("Sessions() = %d", n)
	}
}
