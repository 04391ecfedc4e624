package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"refdesk/api/sandbox"
)

// Changes are counted against the old cache (added, changed, removed) and
// the index follows the cache; an identical sync rewrites nothing and keeps
// the built index.
func TestSyncCountsChangesAndSkipsUnchangedIndex(t *testing.T) {
	e := newEnv(t, envOpts{sandbox: sandbox.Options{Patients: 120, ReferringProviders: 700, Providers: 20}})
	ctx := context.Background()
	// Edit the cache as an older Cobalt answer would have left it: one row
	// different, one missing, one extra.
	for _, q := range []string{
		"UPDATE referring_providers SET data = '{}', name = 'Stale, Name' WHERE rowid = 5",
		"DELETE FROM referring_providers WHERE rowid = 9",
		"INSERT INTO referring_providers (ehr_id, name, detail, text, data) VALUES ('gone-1', 'Gone', '', 'Gone', '{}')",
	} {
		if _, err := e.d.st.w.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	gen := e.d.Index(Providers).Generation()
	rep, err := e.d.Sync(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts[ReferringProviders] != 700 || rep.Changed[ReferringProviders] != 3 {
		t.Errorf("referring providers: %d rows, %d changed; want 700, 3", rep.Counts[ReferringProviders], rep.Changed[ReferringProviders])
	}
	if rep.Changed[Providers] != 0 || rep.Changed[Patients] != 0 {
		t.Errorf("changed %v on untouched directories", rep.Changed)
	}
	if _, ok := e.d.Index(ReferringProviders).Lookup("gone-1"); ok || cacheCount(t, e.d, ReferringProviders) != 700 {
		t.Errorf("the removed row is still in the index or cache")
	}
	if e.d.Index(Providers).Generation() != gen {
		t.Errorf("an unchanged directory's index was rebuilt")
	}
	// The index differs from an unchanged cache (another process synced
	// the file): it is rebuilt all the same.
	e.d.Index(Patients).Replace(nil)
	rep, err = e.d.Sync(ctx, nil)
	if err != nil || rep.Changed[Patients] != 0 {
		t.Fatalf("changed %v, err %v", rep.Changed, err)
	}
	if n := e.d.Index(Patients).Len(); n != 120 {
		t.Errorf("patients index holds %d after a sync, want 120", n)
	}
}

// A key sent twice keeps its first place and its last values; rows without
// an EHR id are left out; the order of the answer is the index's order.
func TestSyncDuplicateKeys(t *testing.T) {
	var custom atomic.Bool
	wrap := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if custom.Load() && r.URL.Path == "/v1/referring-providers" {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"success":true,"referring_providers":[{"ehr_id":"B","name":"First B"},
					{"ehr_id":"A","name":"Only A"},{"ehr_id":"","name":"No id"},{"ehr_id":"B","name":"Last B"}]}`)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	e := newEnv(t, envOpts{wrap: wrap, sandbox: sandbox.Options{Patients: 10, ReferringProviders: 10, Providers: 5}})
	custom.Store(true)
	rep, err := e.d.Sync(context.Background(), nil)
	if err != nil || rep.Counts[ReferringProviders] != 2 || rep.Changed[ReferringProviders] != 12 {
		t.Fatalf("counts %v changed %v err %v (want 2 rows, 10 removed + 2 added)", rep.Counts, rep.Changed, err)
	}
	rows, err := e.d.st.r.Query("SELECT ehr_id, name FROM referring_providers ORDER BY rowid")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var k, n string
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		got = append(got, k+"="+n)
	}
	if strings.Join(got, ";") != "B=Last B;A=Only A" {
		t.Errorf("cache %v", got)
	}
	if en, ok := e.d.Index(ReferringProviders).Lookup("B"); !ok || en.Name != "Last B" {
		t.Errorf("index B = %+v", en)
	}
}

// While Cobalt's list is downloading no lock on the store is held: this
// process and another one can both write.
func TestSyncDownloadHoldsNoStoreLock(t *testing.T) {
	gate := make(chan struct{})
	var hold, flushed atomic.Bool
	wrap := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !hold.Load() || r.URL.Path != "/v1/referring-providers" {
				h.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"success":true,"referring_providers":[`)
			for i := range 3 * stageBatch { // a few batches are staged
				fmt.Fprintf(w, `{"ehr_id":"%d","name":"N%d"},`, i, i)
			}
			w.(http.Flusher).Flush()
			flushed.Store(true)
			<-gate
			fmt.Fprint(w, `{"ehr_id":"last"}]}`)
		})
	}
	e := newEnv(t, envOpts{wrap: wrap, sandbox: sandbox.Options{Patients: 10, ReferringProviders: 10, Providers: 5}})
	hold.Store(true)
	done := make(chan error, 1)
	go func() {
		rep, err := e.d.Sync(context.Background(), nil)
		if err == nil && rep.Counts[ReferringProviders] != 3*stageBatch+1 {
			err = fmt.Errorf("counts %v", rep.Counts)
		}
		done <- err
	}()
	// The download is held mid-list once the batches are sent; the sync
	// stages them meanwhile (no signal of it from outside: a short pause).
	eventually(t, patience, "the list's first batches sent", flushed.Load)
	time.Sleep(300 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := e.d.st.write(ctx, func(tx *sql.Tx) error {
		return audit(ctx, tx, time.Now(), "test", "probe", "written during a sync")
	})
	if err != nil {
		t.Errorf("a write in this process during the download: %v", err)
	}
	var other *sql.DB
	if onPostgres() {
		other, err = openPostgres(e.d.opt.DatabaseURL, false)
	} else {
		other, err = sql.Open("sqlite", "file:"+e.path+"?_pragma=busy_timeout(0)&_txlock=immediate")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.BeginTx(ctx, nil)
	if err == nil {
		_, err = tx.Exec("INSERT INTO sync_meta (directory, synced_at, count) VALUES ('probe', 0, 0)")
		err = errors.Join(err, tx.Commit())
	}
	if err != nil {
		t.Errorf("another process's write during the download: %v", err)
	}
	close(gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
