package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// fileDoc writes n random bytes to a file and returns a Document over it.
func fileDoc(t testing.TB, name string, n int) (Document, []byte) {
	data := make([]byte, n)
	rand.Read(data)
	p := filepath.Join(t.TempDir(), "doc.bin")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return Document{Filename: name, Size: int64(n), Open: func() (io.ReadCloser, error) { return os.Open(p) }}, data
}

func TestBodySizeIsExact(t *testing.T) {
	d1, c1 := fileDoc(t, "consult-note.pdf", 1)
	d2, c2 := fileDoc(t, `é "quoted" <&> \ tab	.pdf`, 100_001)
	d3, c3 := fileDoc(t, "x.png", 3)
	base := validRequest()
	base.Reason = "line1\nline2 \u2028 <b>&amp; «ünïcode» \x01"
	cases := map[string]ReferralRequest{"no documents": base}
	r := base
	r.DiagnosisCodes = nil
	r.Documents = []Document{d1}
	cases["one tiny document"] = r
	r = base
	r.Documents = []Document{d1, d2, d3}
	cases["three documents"] = r
	contents := [][]byte{c1, c2, c3}
	for name, req := range cases {
		var buf bytes.Buffer
		if err := req.WriteBody(&buf); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := req.BodySize(); got != int64(buf.Len()) {
			t.Errorf("%s: BodySize %d, wrote %d", name, got, buf.Len())
		}
		var w WireReferral
		dec := json.NewDecoder(&buf)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&w); err != nil {
			t.Fatalf("%s: body is not the wire JSON: %v", name, err)
		}
		if err := w.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if w.Reason != base.Reason || w.PatientMRN != base.PatientMRN || len(w.Documents) != len(req.Documents) {
			t.Errorf("%s: decoded %+v", name, w)
		}
		for i, d := range w.Documents {
			got, err := base64.StdEncoding.DecodeString(d.ContentBase64)
			want := contents[i]
			if len(req.Documents) == 1 {
				want = c1
			}
			if err != nil || !bytes.Equal(got, want) || d.Filename != req.Documents[i].Filename {
				t.Errorf("%s: document %d differs", name, i)
			}
		}
	}
}

func TestCreateReferralStreamsWithContentLength(t *testing.T) {
	d, content := fileDoc(t, "scan.pdf", 300_000)
	r := validRequest()
	r.Documents = []Document{d}
	var gotLen int64
	var gotDoc []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		gotLen = req.ContentLength
		var wr WireReferral
		if json.NewDecoder(req.Body).Decode(&wr) == nil && len(wr.Documents) == 1 {
			gotDoc, _ = base64.StdEncoding.DecodeString(wr.Documents[0].ContentBase64)
		}
		answer(200, `{"success":true,"referral_id":"abc","job_id":1}`)(w, req)
	}))
	defer srv.Close()
	if _, err := newTestClient(srv).CreateReferral(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if gotLen != r.BodySize() || !bytes.Equal(gotDoc, content) {
		t.Fatalf("Content-Length %d want %d; document intact %v", gotLen, r.BodySize(), bytes.Equal(gotDoc, content))
	}
}

func TestTooLargeRefusedBeforeSending(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	r := validRequest()
	// 19 MB of file is ~25.3 MB of base64: over the limit. Open is never called.
	r.Documents = []Document{{Filename: "big.pdf", Size: 19_000_000, Open: func() (io.ReadCloser, error) {
		t.Error("the document was opened")
		return nil, errors.New("no")
	}}}
	_, err := newTestClient(srv).CreateReferral(context.Background(), r)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Message != TooLargeMessage(r.BodySize()) {
		t.Fatalf("err %v", err)
	}
	if hits.Load() != 0 {
		t.Fatal("the server saw a request")
	}
	t.Log(ve.Message)
}

func TestDocumentChangedSize(t *testing.T) {
	d, _ := fileDoc(t, "a.pdf", 1000)
	for _, size := range []int64{999, 1001} {
		r := validRequest()
		d.Size = size
		r.Documents = []Document{d}
		err := r.WriteBody(io.Discard)
		var de *DocumentError
		if !errors.As(err, &de) || !errors.Is(err, ErrDocumentChanged) || de.Index != 0 {
			t.Errorf("size %d: err %v", size, err)
		}
	}
	// Through the client: not sent (the body never completed), not retried.
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	r := validRequest()
	d.Size = 1001
	r.Documents = []Document{d}
	_, err := newTestClient(srv).CreateReferral(context.Background(), r)
	if !IsNotSent(err) || !errors.Is(err, ErrDocumentChanged) {
		t.Fatalf("err %v", err)
	}
}

// BenchmarkCreateReferral24MB posts one request of ~24 MB (a 17.9 MB file)
// to a server that discards the body, and reports bytes allocated per
// request and the peak heap in use while sending.
func BenchmarkCreateReferral24MB(b *testing.B) {
	d, _ := fileDoc(b, "scan.pdf", 17_900_000)
	r := validRequest()
	r.Documents = []Document{d}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		io.Copy(io.Discard, req.Body)
		answer(200, `{"success":true,"referral_id":"abc","job_id":1}`)(w, req)
	}))
	defer srv.Close()
	c := newTestClient(srv)
	size := r.BodySize()
	b.SetBytes(size)
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // sample HeapInuse
		defer close(done)
		var ms runtime.MemStats
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.CreateReferral(context.Background(), r); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	close(stop)
	<-done
	b.ReportMetric(float64(peak.Load())/1e6, "peak-heap-MB")
	b.ReportMetric(float64(peak.Load()-min(peak.Load(), base.HeapInuse))/1e6, "peak-heap-growth-MB")
	b.ReportMetric(float64(size)/1e6, "body-MB")
	b.Logf("body %s (limit %s), %s", HumanBytes(size), HumanBytes(MaxRequestBytes), strconv.Itoa(b.N)+" requests")
}
