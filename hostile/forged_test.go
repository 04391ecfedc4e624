package hostile

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"

	"refdesk/api"
)

// receiver serves api.WebhookHandler as serve does (api.NewWebhookServer
// on loopback) with nothing in front of it, and returns its URL.
func receiver(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &api.WebhookHandler{Secrets: func() []string { return []string{hookSecret} }}
	mux := http.NewServeMux()
	mux.Handle("POST "+api.WebhookPath, h)
	srv := api.NewWebhookServer(ln.Addr().String(), mux)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String() + api.WebhookPath
}

// emptyObjects is about size bytes of `[{},{},…]`: the most JSON values a
// byte can buy.
func emptyObjects(size int) []byte {
	return []byte("[" + strings.Repeat("{},", (size-3)/3) + "{}]")
}

// allocsForPosts posts body n times, conc at a time, signed with 64 zeros,
// and returns the bytes the process allocated meanwhile. Every post must
// be refused with 401.
func allocsForPosts(t *testing.T, url string, body []byte, n, conc int) uint64 {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc}}
	defer client.CloseIdleConnections()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var wg sync.WaitGroup
	work := make(chan struct{})
	codes := make(chan int, n)
	for range conc {
		wg.Go(func() {
			for range work {
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set(api.HeaderVerification, strings.Repeat("0", 64))
				resp, err := client.Do(req)
				if err != nil {
					codes <- -1
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				codes <- resp.StatusCode
			}
		})
	}
	for range n {
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
	runtime.ReadMemStats(&after)
	close(codes)
	for c := range codes {
		if c != http.StatusUnauthorized {
			t.Fatalf("a forged delivery was answered %d, want 401", c)
		}
	}
	return after.TotalAlloc - before.TotalAlloc
}

// Issue 19, finding 1: a forged signature over 1 MB of `[{},{},…]` made
// the verifier build a JSON tree of a third of a million values (40 in
// parallel took the process to 2 GB). Forged JSON must now cost what the
// same bytes cost as non-JSON (within 2x), and a body small enough to be
// canonicalised at all costs a bounded tree. Allocation totals are
// counted, not timed, so the test does not depend on the machine's load.
func TestWebhookForgedJSONCostsNoMoreThanBytes(t *testing.T) {
	url := receiver(t)
	const n, conc = 40, 8
	forged := emptyObjects(api.MaxWebhookBytes)
	plain := bytes.Clone(forged)
	plain[0] = 'x'
	asJSON := allocsForPosts(t, url, forged, n, conc)
	bytesOnly := allocsForPosts(t, url, plain, n, conc)
	t.Logf("%d forged 1 MB posts: JSON %d MB, non-JSON %d MB", n, asJSON>>20, bytesOnly>>20)
	if asJSON > 2*bytesOnly {
		t.Errorf("forged JSON allocated %d MB, the same bytes as non-JSON %d MB: want within 2x", asJSON>>20, bytesOnly>>20)
	}
	// The largest body still canonicalised: its tree is bounded by
	// api.MaxJSONValues, not by its 20,000 values.
	small := emptyObjects(api.MaxCanonicalBytes)
	per := allocsForPosts(t, url, small, n, conc) / n
	t.Logf("forged %d kB JSON: %d kB allocated per post", len(small)>>10, per>>10)
	if per > 1<<20 {
		t.Errorf("a forged %d kB JSON body allocated %d kB: want under 1 MB", len(small)>>10, per>>10)
	}
}
