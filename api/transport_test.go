package api

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// reset drops the connection under w with a TCP reset (no answer at all).
func reset(t *testing.T, w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	conn.Close()
}

// bigRequest is a referral whose body (~2.7 MB) cannot fit in the
// transport's or the kernel's buffers.
func bigRequest(t *testing.T) ReferralRequest {
	d, _ := fileDoc(t, "scan.pdf", 2_000_000)
	r := validRequest()
	r.Documents = []Document{d}
	return r
}

// The server resets the connection after reading part of the body: some of
// the body reached it, so the POST's outcome is Unknown (not Not sent) and
// it is never sent again. (Before, a failed write counted as Not sent, and
// the POST was retried: 4 requests.)
func TestResetMidBodyIsUnknown(t *testing.T) {
	var hits, got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		n, _ := io.CopyN(io.Discard, r.Body, 64<<10)
		got.Add(n)
		reset(t, w)
	}))
	defer srv.Close()
	_, err := newTestClient(srv).CreateReferral(context.Background(), bigRequest(t))
	if !IsUnknownOutcome(err) || IsNotSent(err) {
		t.Fatalf("err %v: unknown %v not-sent %v", err, IsUnknownOutcome(err), IsNotSent(err))
	}
	if hits.Load() != 1 || got.Load() == 0 {
		t.Fatalf("POST sent %d times (%d body bytes received), want once", hits.Load(), got.Load())
	}
}

// blockingReader yields n zero bytes but stops after the first `after`
// (more than the body's buffer holds) until release is closed, then fails.
type blockingReader struct {
	n, after, sent int
	release        <-chan struct{}
}

func (b *blockingReader) Read(p []byte) (int, error) {
	if b.sent >= b.n {
		return 0, io.EOF
	}
	if b.sent >= b.after {
		<-b.release
		return 0, context.Canceled
	}
	k := min(len(p), b.n-b.sent, 32<<10)
	clear(p[:k])
	b.sent += k
	return k, nil
}

func (b *blockingReader) Close() error { return nil }

// The context ends while the body is being written, after the server has
// received part of it: httptrace's WroteRequest never fired, yet the
// request left, so it is Unknown, not Not sent.
func TestCancelMidBodyIsUnknown(t *testing.T) {
	received := make(chan struct{})
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		buf := make([]byte, 1024)
		if _, err := io.ReadFull(r.Body, buf); err == nil {
			close(received)
		}
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	const size = 1_000_000
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := validRequest()
	r.Documents = []Document{{Filename: "scan.pdf", Size: size, Open: func() (io.ReadCloser, error) {
		return &blockingReader{n: size, after: 4 * bodyBufferSize, release: ctx.Done()}, nil
	}}}
	go func() {
		select {
		case <-received:
		case <-time.After(5 * time.Second):
		}
		cancel()
	}()
	_, err := newTestClient(srv).CreateReferral(ctx, r)
	if !IsUnknownOutcome(err) || IsNotSent(err) {
		t.Fatalf("err %v: unknown %v not-sent %v", err, IsUnknownOutcome(err), IsNotSent(err))
	}
	if hits.Load() != 1 {
		t.Fatalf("POST sent %d times, want once", hits.Load())
	}
}

// No connection is ever obtained (the dial hangs until the context ends):
// provably not sent.
func TestNoConnectionIsNotSent(t *testing.T) {
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}}
	c := New(Config{BaseURL: "http://cobalt.invalid/v1", HTTPClient: hc, Retries: 0})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.CreateReferral(ctx, validRequest())
	if !IsNotSent(err) || IsUnknownOutcome(err) {
		t.Fatalf("err %v: not-sent %v unknown %v", err, IsNotSent(err), IsUnknownOutcome(err))
	}
}

// A GET cut off by a reset is still retried, and succeeds.
func TestGetRetriedAfterReset(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			reset(t, w)
			return
		}
		answer(200, `{"success":true,"providers":[{"ehr_id":"99999"}]}`)(w, r)
	}))
	defer srv.Close()
	ps, err := newTestClient(srv).Providers(context.Background())
	if err != nil || len(ps) != 1 || hits.Load() != 2 {
		t.Fatalf("providers %v err %v after %d requests", ps, err, hits.Load())
	}
}
