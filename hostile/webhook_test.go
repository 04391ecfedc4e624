package hostile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/state"
)

// refusal checks a refused delivery: the status, a JSON body with a
// non-empty message, and no event reaching the desk.
func refusal(t *testing.T, e *env, what string, code int, body string, want int) {
	t.Helper()
	var msg struct {
		Message string `json:"message"`
	}
	if code != want || json.Unmarshal([]byte(body), &msg) != nil || msg.Message == "" {
		t.Errorf("%s: %d %q, want %d with a message", what, code, body, want)
	}
}

func TestWebhookRefusesOversizedMalformedAndUnsigned(t *testing.T) {
	e := newEnv(t)
	ev := []byte(`{"id":"evt_x","type":"referral.created","data":{"referral_id":"r1"}}`)
	big := append([]byte(`{"id":"evt_big","type":"referral.created","pad":"`), bytes.Repeat([]byte("a"), api.MaxWebhookBytes)...)
	big = append(big, `"}`...)
	code, body := e.post(big, api.Sign(big, hookSecret))
	refusal(t, e, "oversized, signed", code, body, http.StatusRequestEntityTooLarge)

	for _, c := range []struct {
		what string
		body []byte
		sig  string
		want int
	}{
		{"malformed JSON, signed", []byte(`{"id":"evt_m","type":`), "", http.StatusBadRequest},
		{"JSON without a type, signed", []byte(`{"id":"evt_t"}`), "", http.StatusBadRequest},
		{"an array, signed", []byte(`[1,2]`), "", http.StatusBadRequest},
		{"missing signature", ev, "-", http.StatusUnauthorized},
		{"signed with another secret", ev, api.Sign(ev, "whsec_attacker"), http.StatusUnauthorized},
		{"signature of another body", ev, api.Sign([]byte(`{}`), hookSecret), http.StatusUnauthorized},
		{"signature not hex", ev, "sha256=zz", http.StatusUnauthorized},
		{"truncated signature", ev, api.Sign(ev, hookSecret)[:40], http.StatusUnauthorized},
	} {
		sig := c.sig
		switch sig {
		case "":
			sig = api.Sign(c.body, hookSecret)
		case "-":
			sig = ""
		}
		code, body := e.post(c.body, sig)
		refusal(t, e, c.what, code, body, c.want)
	}
	resp, err := http.Get(e.hook)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405", resp.StatusCode)
	}
	if n := e.events.Load(); n != 0 {
		t.Errorf("%d refused deliveries reached the desk", n)
	}
	// The receiver still works after all that.
	if code, body := e.post(ev, api.Sign(ev, hookSecret)); code != http.StatusOK {
		t.Errorf("a good delivery after the refusals: %d %q", code, body)
	}
}

// slowConn dials the receiver and returns the connection and a channel
// that gets what the server wrote once it closes the connection.
func slowConn(t *testing.T, e *env) (net.Conn, <-chan string) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(e.hook, api.WebhookPath), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	got := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(c)
		got <- string(b)
	}()
	return c, got
}

// trickle writes s one byte every gap until the server closes the
// connection (its answer arrives on got) or max passes.
func trickle(c net.Conn, s string, gap, max time.Duration, got <-chan string) (string, time.Duration, bool) {
	start := time.Now()
	for i := 0; time.Since(start) < max; i++ {
		select {
		case answer := <-got:
			return answer, time.Since(start), true
		case <-time.After(gap):
		}
		_, _ = c.Write([]byte{s[i%len(s)]})
	}
	return "", time.Since(start), false
}

// Slowloris: headers sent a byte at a time are cut off at
// ReadHeaderTimeout; a body sent a byte at a time at ReadTimeout. Neither
// delivery reaches the desk.
func TestWebhookSlowClientsAreCutOff(t *testing.T) {
	e := newEnv(t)
	t.Run("group", func(t *testing.T) { slowClients(t, e) })
	if n := e.events.Load(); n != 0 {
		t.Errorf("%d slow deliveries reached the desk", n)
	}
}

func slowClients(t *testing.T, e *env) {
	t.Run("headers", func(t *testing.T) {
		t.Parallel()
		c, got := slowConn(t, e)
		_, _ = io.WriteString(c, "POST "+api.WebhookPath+" HTTP/1.1\r\nHost: desk\r\n")
		answer, took, closed := trickle(c, "X-Slow: aaaaaaaaaaaaaaaa\r\n", 100*time.Millisecond, api.WebhookReadHeaderTimeout+5*time.Second, got)
		if !closed || took < api.WebhookReadHeaderTimeout-time.Second || took > api.WebhookReadHeaderTimeout+3*time.Second {
			t.Fatalf("closed %v after %v, want about %v", closed, took, api.WebhookReadHeaderTimeout)
		}
		if strings.Contains(answer, " 200 ") {
			t.Fatalf("a trickled request was accepted: %q", answer)
		}
	})
	t.Run("body", func(t *testing.T) {
		t.Parallel()
		c, got := slowConn(t, e)
		body := `{"id":"evt_slow","type":"referral.created","data":{"referral_id":"r_slow"}}`
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: desk\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s: %s\r\n\r\n",
			api.WebhookPath, len(body)+100000, api.HeaderVerification, api.Sign([]byte(body), hookSecret))
		answer, took, closed := trickle(c, body, 200*time.Millisecond, api.WebhookReadTimeout+5*time.Second, got)
		if !closed || took > api.WebhookReadTimeout+3*time.Second {
			t.Fatalf("closed %v after %v, want within %v", closed, took, api.WebhookReadTimeout)
		}
		if answer != "" {
			resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(answer)), nil)
			if err == nil && resp.StatusCode < 300 {
				t.Fatalf("a trickled body was accepted: %q", answer)
			}
		}
	})
}

// A delivery replayed (same envelope id), even re-signed with other
// content or under another webhook-id, changes nothing: the referral's
// status and history stay as the first delivery left them.
func TestWebhookReplayAppliesOnce(t *testing.T) {
	e := newEnv(t)
	r, err := e.desk.Submit(e.ctx, "front1", e.input())
	if err != nil {
		t.Fatal(err)
	}
	r, history := e.waitTerminal(r.ID)
	if r.Status != state.Completed {
		t.Fatalf("status %s, want completed", r.Status)
	}
	e.settle()
	var first *delivery
	e.mu.Lock()
	for i := range e.deliveries {
		var ev api.Event
		if json.Unmarshal(e.deliveries[i].body, &ev) == nil && ev.Type == api.EventReferralCreated {
			first = &e.deliveries[i]
		}
	}
	e.mu.Unlock()
	if first == nil {
		t.Fatal("the sandbox's referral.created never arrived")
	}
	var ev api.Event
	if err := json.Unmarshal(first.body, &ev); err != nil || ev.ID == "" {
		t.Fatalf("event without an id: %v", err)
	}
	before := e.events.Load()
	// The same bytes twice more, then the same id claiming failure.
	for range 2 {
		if code, body := e.post(first.body, first.header.Get(api.HeaderVerification)); code != http.StatusOK {
			t.Fatalf("replay answered %d %q (a replay is acknowledged, not refused)", code, body)
		}
	}
	forged := bytes.Replace(first.body, []byte(`"referral.created"`), []byte(`"referral.failed"`), 1)
	forged = bytes.Replace(forged, []byte(`"data":{`), []byte(`"data":{"failure_reason":"replayed","reasons":[{"code":"x","description":"replayed"}],`), 1)
	if code, _ := e.post(forged, api.Sign(forged, hookSecret)); code != http.StatusOK {
		t.Fatalf("same id, other content: %d", code)
	}
	deadline := time.Now().Add(5 * time.Second)
	for e.events.Load() < before+3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	e.settle()
	if e.events.Load() < before+3 {
		t.Fatal("the replays never reached the desk, so this test proved nothing")
	}
	after, history2, err := e.desk.Get(e.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Status != state.Completed || after.FailureReason != "" || len(history2) != len(history) || after.Attention != "" {
		t.Fatalf("a replay changed the referral: %s %q attention %q, %d transitions (was %d)",
			after.Status, after.FailureReason, after.Attention, len(history2), len(history))
	}
}

// 1,000 concurrent signed deliveries are all answered 200, all reach the
// desk, and the receiver's goroutines are gone afterwards.
func TestWebhookThousandConcurrentPosts(t *testing.T) {
	e := newEnv(t)
	tr := &http.Transport{MaxIdleConnsPerHost: 1000}
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	base := runtime.NumGoroutine()
	const n = 1000
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := []byte(fmt.Sprintf(`{"id":"evt_flood_%d","type":"referral.failed","data":{"referral_id":"ref_unknown_%d","failure_reason":"x"}}`, i, i))
			req, _ := http.NewRequest(http.MethodPost, e.hook, bytes.NewReader(body))
			req.Header.Set(api.HeaderVerification, api.Sign(body, hookSecret))
			resp, err := client.Do(req)
			if err != nil {
				codes <- -1
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	bad := map[int]int{}
	for c := range codes {
		if c != http.StatusOK {
			bad[c]++
		}
	}
	if len(bad) > 0 {
		t.Fatalf("not every post was answered 200: %v", bad)
	}
	e.settle()
	if got := e.events.Load(); got != n {
		t.Fatalf("%d events reached the desk, want %d", got, n)
	}
	tr.CloseIdleConnections()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base+10 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > base+10 {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines left after the flood (%d before):\n%s", g, base, buf[:runtime.Stack(buf, true)])
	}
}
