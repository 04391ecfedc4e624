package sandbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/api/sandbox"
)

func TestLuhn(t *testing.T) {
	// 1234567893 is CMS's published example of a valid NPI.
	for npi, want := range map[string]bool{"1234567893": true, "1234567890": false, "123456789": false, "12345678a3": false} {
		if sandbox.ValidNPI(npi) != want {
			t.Errorf("ValidNPI(%s) != %v", npi, want)
		}
	}
}

// Same seed, same directory; another seed, another one. Every NPI is
// Luhn-valid, the page's example rows exist, and the mix is realistic.
func TestDirectoryDeterministicAndRealistic(t *testing.T) {
	a := sandbox.GenerateReferringProviders(7, 5000)
	b := sandbox.GenerateReferringProviders(7, 5000)
	c := sandbox.GenerateReferringProviders(8, 5000)
	if len(a) != 5000 || !equalJSON(t, a, b) || equalJSON(t, a, c) {
		t.Fatal("referring providers not deterministic per seed")
	}
	if !equalJSON(t, sandbox.GenerateProviders(7, 150), sandbox.GenerateProviders(7, 150)) ||
		!equalJSON(t, sandbox.GeneratePatients(7, 2000), sandbox.GeneratePatients(7, 2000)) {
		t.Fatal("providers or patients not deterministic")
	}
	if a[0].EHRID != "PROV-002" || a[1].EHRID != "5521" || a[1].Name != "Alvarez, Maria" ||
		a[1].Speciality != "Cardiology" || a[1].AddressCity != "Springfield" || a[1].AddressState != "IL" {
		t.Fatalf("example rows: %+v %+v", a[0], a[1])
	}
	accented, noNPI, ids := 0, 0, map[string]bool{}
	for _, p := range a {
		if ids[p.EHRID] {
			t.Fatalf("duplicate ehr_id %s", p.EHRID)
		}
		ids[p.EHRID] = true
		if p.NPI == "" {
			noNPI++
		} else if !sandbox.ValidNPI(p.NPI) {
			t.Fatalf("invalid NPI %s", p.NPI)
		}
		if strings.ContainsFunc(p.Name, func(r rune) bool { return r > 127 }) {
			accented++
		}
	}
	if accented < 5000*20/100 || accented > 5000*35/100 || noNPI == 0 {
		t.Errorf("accented names %d (want ~28%%: 15%% first or last), null NPIs %d", accented, noNPI)
	}
	provs := sandbox.GenerateProviders(7, 150)
	inactive := 0
	for _, p := range provs {
		if !sandbox.ValidNPI(p.NPI) {
			t.Fatalf("invalid provider NPI %s", p.NPI)
		}
		if p.Inactive() {
			inactive++
		}
	}
	if provs[0].EHRID != "PROV-001" || provs[0].Inactive() || inactive == 0 || inactive > 20 {
		t.Fatalf("PROV-001 %+v, inactive %d of 150", provs[0], inactive)
	}
}

func equalJSON(t *testing.T, a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestDirectoryEndpoints(t *testing.T) {
	e := quick(t, sandbox.Options{Seed: 3})
	var provs struct{ Providers []api.Provider }
	_, out := e.call("GET", "/v1/providers", nil)
	if err := json.Unmarshal(out, &provs); err != nil || len(provs.Providers) != 150 || provs.Providers[0].EHRID != "PROV-001" {
		t.Fatalf("providers: %v %d", err, len(provs.Providers))
	}
	// Null fields are JSON null, and "speciality" keeps Cobalt's spelling.
	_, out = e.call("GET", "/v1/referring-providers", nil)
	var raw struct {
		ReferringProviders []map[string]any `json:"referring_providers"`
	}
	if err := json.Unmarshal(out, &raw); err != nil || len(raw.ReferringProviders) != 5000 {
		t.Fatalf("referring providers: %v", err)
	}
	nulls := 0
	for _, p := range raw.ReferringProviders {
		if v, ok := p["email"]; ok && v == nil {
			nulls++
		}
		if _, ok := p["speciality"]; !ok {
			t.Fatal("no speciality field")
		}
	}
	if nulls == 0 {
		t.Fatal("no null emails")
	}
	filters := map[string]string{
		"last_name=alvar&first_name=MAR":                         "5521",
		"phone=(773)%20472-2936":                                 "5521",
		"fax=%2B1%20773.472.2937":                                "5521",
		"npi=" + sandbox.GenerateReferringProviders(3, 2)[1].NPI: "5521",
		"last_name=okafor&first_name=ngozi":                      "PROV-002",
	}
	for q, want := range filters {
		var got struct {
			ReferringProviders []api.ReferringProvider `json:"referring_providers"`
		}
		_, out := e.call("GET", "/v1/referring-providers?"+q, nil)
		_ = json.Unmarshal(out, &got)
		found := false
		for _, p := range got.ReferringProviders {
			found = found || p.EHRID == want
		}
		if !found || len(got.ReferringProviders) > 50 {
			t.Errorf("%s: %d rows, want %s among them", q, len(got.ReferringProviders), want)
		}
	}
	var pats struct {
		Patients   []api.Patient
		Pagination api.Pagination
	}
	_, out = e.call("GET", "/v1/patients?page=2", nil)
	_ = json.Unmarshal(out, &pats)
	if len(pats.Patients) != 30 || pats.Pagination != (api.Pagination{CurrentPage: 2, TotalPages: 67, TotalCount: 2000, PageSize: 30}) {
		t.Fatalf("patients page: %d %+v", len(pats.Patients), pats.Pagination)
	}
	_, out = e.call("GET", "/v1/patients?mrn=1234567", nil)
	_ = json.Unmarshal(out, &pats)
	if len(pats.Patients) != 1 || pats.Patients[0].MRN != "1234567" {
		t.Fatalf("mrn: %s", out)
	}
	_, out = e.call("GET", "/v1/patients?last_name=DO&first_name=joh&dob=1980-05-15&phone=5551234567", nil)
	_ = json.Unmarshal(out, &pats)
	if len(pats.Patients) != 1 || pats.Patients[0].MRN != "414421" {
		t.Fatalf("filters: %s", out)
	}
	status, out := e.call("GET", "/v1/patients?page_size=101", nil)
	wantError(t, status, out, 400, "Invalid page_size. Must be between 1 and 100.")
}

// A million referring providers: built instantly and streamed row by row.
// The client throws the bytes away as they come (counting the rows), so
// the heap seen during the GET is the server's working set: a server that
// built the 357 MB answer in memory would show it. (Decoding the stream is
// tested on smaller directories; decoding a million rows under -race took
// over two minutes.)
func TestMillionReferringProviders(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 1,000,000 rows")
	}
	t0 := time.Now()
	e := start(t, sandbox.Options{ReferringProviders: 1_000_000})
	built := time.Since(t0)
	req, _ := http.NewRequest("GET", e.url+"/v1/referring-providers", nil)
	for _, h := range []string{"client_id", "client_secret", "access_token"} {
		req.Header.Set(h, "sandbox")
	}
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
		}
	}()
	t1 := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	rows := &countingWriter{pattern: []byte(`"ehr_id":`)}
	wire, err := io.Copy(rows, resp.Body)
	resp.Body.Close()
	took := time.Since(t1)
	close(stop)
	<-sampled
	if err != nil {
		t.Fatal(err)
	}
	if rows.n != 1_000_000 {
		t.Fatalf("rows %d", rows.n)
	}
	if mb := peak.Load() >> 20; mb > 64 {
		t.Errorf("peak heap in use %d MB while serving %d MB: the answer is not streamed", mb, wire>>20)
	}
	if i, ok := e.sb.Directory().ReferringProviderIndex("1099999"); !ok || i != 999_999 {
		t.Fatalf("lookup of the last row: %d %v", i, ok)
	}
	t.Logf("1M referring providers: New %v; GET %d MB served in %v; peak heap in use %d MB",
		built, wire>>20, took, peak.Load()>>20)
}

// countingWriter counts the occurrences of pattern in what is written,
// including those split across writes.
type countingWriter struct {
	pattern []byte
	tail    []byte
	n       int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	buf := append(w.tail, p...)
	w.n += bytes.Count(buf, w.pattern)
	keep := min(len(w.pattern)-1, len(buf))
	w.tail = append(w.tail[:0], buf[len(buf)-keep:]...)
	return len(p), nil
}

// BenchmarkReferringProviderRow measures generating and encoding one row.
func BenchmarkReferringProviderRow(b *testing.B) {
	d := sandbox.NewDirectory(1, 150, 1_000_000, 2000)
	enc := json.NewEncoder(io.Discard)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = enc.Encode(d.ReferringProvider(i % 1_000_000))
	}
}

// BenchmarkReferringProviderGen measures generating one row.
func BenchmarkReferringProviderGen(b *testing.B) {
	d := sandbox.NewDirectory(1, 150, 1_000_000, 2000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = d.ReferringProvider(i % 1_000_000)
	}
}
