package state

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"refdesk/api"
	"refdesk/api/sandbox"
)

func cacheCount(t *testing.T, d *Desk, dir Directory) int {
	t.Helper()
	table, _ := cacheTable(dir)
	var n int
	if err := d.st.r.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSandboxSyncFillsCacheAndIndexes(t *testing.T) {
	e := newEnv(t, envOpts{noSync: true, sandbox: sandbox.Options{Patients: 250, ReferringProviders: 120, Providers: 30}})
	ctx := context.Background()
	var progress []SyncProgress
	rep, err := e.d.Sync(ctx, func(p SyncProgress) { progress = append(progress, p) })
	if err != nil {
		t.Fatal(err)
	}
	want := map[Directory]int{Providers: 30, ReferringProviders: 120, Patients: 250}
	for dir, n := range want {
		if rep.Counts[dir] != n || rep.Changed[dir] != n || cacheCount(t, e.d, dir) != n || e.d.SyncedAt(dir).IsZero() {
			t.Errorf("%s: counts %d changed %d cache %d synced %v", dir, rep.Counts[dir], rep.Changed[dir], cacheCount(t, e.d, dir), e.d.SyncedAt(dir))
		}
		if got := e.d.Index(dir).Len(); got != n {
			t.Errorf("%s index holds %d, want %d", dir, got, n)
		}
	}
	last := progress[len(progress)-1]
	if last.Directory != Patients || last.Done != 250 || last.Total != 250 {
		t.Errorf("last progress %+v", last)
	}
	// A second sync changes nothing.
	rep, err = e.d.Sync(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for dir := range want {
		if rep.Changed[dir] != 0 {
			t.Errorf("%s: %d changed on an identical sync", dir, rep.Changed[dir])
		}
	}
	// The indexes load from the cache at the next start.
	e.d.Close()
	e.open(t, Options{})
	for dir, n := range want {
		if got := e.d.Index(dir).Len(); got != n {
			t.Errorf("%s index after restart holds %d, want %d", dir, got, n)
		}
	}
}

// A sync that fails part-way (here the second page of patients, after both
// provider lists came) keeps the old cache, sync times and indexes.
func TestSandboxFailedSyncKeepsOldCache(t *testing.T) {
	var failPatients atomic.Bool
	wrap := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if failPatients.Load() && r.URL.Path == "/v1/patients" && r.URL.Query().Get("page") == "2" {
				http.Error(w, `{"success": false, "message": "Internal error."}`, http.StatusInternalServerError)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	e := newEnv(t, envOpts{wrap: wrap, sandbox: sandbox.Options{Patients: 250, ReferringProviders: 120, Providers: 30}})
	ctx := context.Background()
	before := map[Directory]int{}
	at := e.d.SyncedAt(Patients)
	for _, dir := range directories {
		before[dir] = cacheCount(t, e.d, dir)
	}
	// Cobalt's directory changed meanwhile: the old cache must still win.
	if _, err := e.d.st.w.Exec("UPDATE providers SET name = 'Old, Name' WHERE ehr_id = 'PROV-001'"); err != nil {
		t.Fatal(err)
	}
	failPatients.Store(true)
	var sawPatients bool
	if _, err := e.d.Sync(ctx, func(p SyncProgress) { sawPatients = sawPatients || p.Directory == Patients }); err == nil {
		t.Fatal("Sync succeeded against a failing server")
	}
	if !sawPatients {
		t.Fatal("the failure did not happen part-way")
	}
	for _, dir := range directories {
		if n := cacheCount(t, e.d, dir); n != before[dir] {
			t.Errorf("%s: %d rows after a failed sync, %d before", dir, n, before[dir])
		}
		if got := e.d.Index(dir).Len(); got != before[dir] {
			t.Errorf("%s index holds %d after a failed sync, want %d", dir, got, before[dir])
		}
	}
	var name string
	if err := e.d.st.r.QueryRow("SELECT name FROM providers WHERE ehr_id = 'PROV-001'").Scan(&name); err != nil || name != "Old, Name" {
		t.Errorf("PROV-001 name %q (%v): the cache was partly replaced", name, err)
	}
	if !e.d.SyncedAt(Patients).Equal(at) {
		t.Errorf("sync time moved on a failed sync")
	}
	// Every request failing (the sandbox's own 5xx) also keeps it.
	failPatients.Store(false)
	e.sb.SetFaults(sandbox.Faults{ErrorRate: 1})
	if _, err := e.d.Sync(ctx, nil); err == nil {
		t.Fatal("Sync succeeded with ErrorRate=1")
	}
	if n := cacheCount(t, e.d, Patients); n != before[Patients] {
		t.Errorf("patients %d after a failed sync", n)
	}
}

func TestSandboxFindPatientsRemote(t *testing.T) {
	e := newEnv(t, envOpts{noSync: true})
	ctx := context.Background()
	pts, err := e.d.FindPatientsRemote(ctx, api.PatientQuery{MRN: "1234567"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 1 || pts[0].MRN != "1234567" {
		t.Fatalf("found %+v", pts)
	}
	if !e.d.known(ctx, Patients, "1234567") || e.d.Index(Patients).Len() != 1 {
		t.Errorf("found patient not in the cache/index (index %d)", e.d.Index(Patients).Len())
	}
	if e, ok := e.d.Index(Patients).Lookup("1234567"); ok && e.Name != pts[0].LastName+", "+pts[0].FirstName {
		t.Errorf("index entry %+v", e)
	}
}
