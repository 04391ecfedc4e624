package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"refdesk/api"
)

// cacheRow is one directory row as the cache stores it.
type cacheRow struct {
	entry Entry
	data  string // the API's row as JSON
}

func rowOf(e Entry, v any) (cacheRow, error) {
	b, err := json.Marshal(v)
	return cacheRow{entry: e, data: string(b)}, err
}

// SyncedAt is when dir was last synced (zero if never).
func (d *Desk) SyncedAt(dir Directory) time.Time {
	var at int64
	err := d.st.r.QueryRow("SELECT synced_at FROM sync_meta WHERE directory = ?", string(dir)).Scan(&at)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(0, at)
}

// syncAll does Sync's work (oplog.go); Sync adds its log line.
func (d *Desk) syncAll(ctx context.Context, progress func(SyncProgress)) (_ SyncReport, err error) {
	if d.client == nil {
		return SyncReport{}, errNoClient
	}
	if d.st.ro {
		return SyncReport{}, ErrReadOnly
	}
	d.syncMu.Lock()
	defer d.syncMu.Unlock()
	d.syncing.Add(1)
	defer d.syncing.Add(-1)
	defer func() {
		if err != nil {
			d.count.syncsFailed.Add(1)
		} else {
			d.count.syncsOK.Add(1)
		}
	}()
	start := d.now()
	report := func(dir Directory, done, total int) {
		if progress != nil {
			progress(SyncProgress{Directory: dir, Done: done, Total: total})
		}
	}
	// On PostgreSQL the staging tables are TEMP tables of one connection,
	// held until the swap has read them (sync_stage.go).
	var pin *sql.Conn
	var on execer = d.st.w
	if d.st.pg {
		if pin, err = d.st.w.Conn(ctx); err != nil {
			return SyncReport{}, fmt.Errorf("preparing the sync: %w", err)
		}
		defer pin.Close()
		on = pin
	}
	stages := make(map[Directory]*stage, len(directories))
	defer func() {
		for _, s := range stages {
			s.drop()
		}
	}()
	for _, dir := range directories {
		s, err := newStage(ctx, d.st, on, dir)
		if err != nil {
			return SyncReport{}, fmt.Errorf("preparing the sync: %w", err)
		}
		stages[dir] = s
	}

	report(Providers, 0, 0)
	ps, err := d.client.Providers(ctx) // a clinic's few hundred: one slice
	if err != nil {
		return SyncReport{}, fmt.Errorf("fetching providers: %w", err)
	}
	for _, p := range ps {
		if p.EHRID == "" {
			continue // cannot be sent: no EHR id
		}
		if err := stages[Providers].addRow(ctx, ProviderEntry(p), p); err != nil {
			return SyncReport{}, err
		}
	}
	if err := stages[Providers].flush(ctx); err != nil {
		return SyncReport{}, err
	}
	report(Providers, len(ps), len(ps))

	report(ReferringProviders, 0, 0)
	n := 0
	err = d.client.StreamReferringProviders(ctx, api.ReferringProviderQuery{}, func(p api.ReferringProvider) error {
		n++
		if p.EHRID == "" {
			return nil
		}
		return stages[ReferringProviders].addRow(ctx, ReferringProviderEntry(p), p)
	})
	if err == nil {
		err = stages[ReferringProviders].flush(ctx)
	}
	if err != nil {
		return SyncReport{}, fmt.Errorf("fetching referring providers: %w", err)
	}
	report(ReferringProviders, n, n)

	report(Patients, 0, 0)
	err = d.client.StreamPatients(ctx, func(done, total int) { report(Patients, done, total) }, func(p api.Patient) error {
		if p.MRN == "" {
			return nil
		}
		return stages[Patients].addRow(ctx, PatientEntry(p), p)
	})
	if err == nil {
		err = stages[Patients].flush(ctx)
	}
	if err != nil {
		return SyncReport{}, fmt.Errorf("fetching patients: %w", err)
	}

	rep := SyncReport{Counts: map[Directory]int{}, Changed: map[Directory]int{}}
	same := map[Directory]bool{}
	now := d.now()
	var swapOn beginner // nil: the writer pool
	if pin != nil {
		swapOn = pin
	}
	err = d.st.writeOn(ctx, swapOn, func(tx *sql.Tx) error {
		for _, dir := range directories {
			sw, err := stages[dir].swap(ctx, tx, now)
			if err != nil {
				return err
			}
			rep.Counts[dir], rep.Changed[dir], same[dir] = sw.count, sw.changed, sw.same
		}
		// Every process reloads its indexes; a recorded failure is over.
		if err := d.note(ctx, tx, FeedDirectories, 0); err != nil {
			return err
		}
		if err := d.setSyncStatus(ctx, tx, SyncStatus{}); err != nil {
			return err
		}
		return audit(ctx, tx, now, "refdesk", "sync",
			fmt.Sprintf("providers %d, referring providers %d, patients %d",
				rep.Counts[Providers], rep.Counts[ReferringProviders], rep.Counts[Patients]))
	})
	if err != nil {
		return SyncReport{}, fmt.Errorf("saving the directories: %w", err)
	}
	// The cache is committed: finish the indexes even if ctx ends now.
	ctx = context.WithoutCancel(ctx)
	for _, dir := range directories {
		if same[dir] {
			if ok, err := d.indexMatches(ctx, dir, rep.Counts[dir]); err == nil && ok {
				continue // nothing to rebuild
			}
		}
		if err := d.reloadIndex(ctx, dir, rep.Counts[dir]); err != nil {
			// Not expected (a read of the file just written); the index
			// catches up at the next start.
			return rep, fmt.Errorf("the directories were saved but the %s index could not be rebuilt (restart refdesk): %w", dir, err)
		}
	}
	rep.Took = d.now().Sub(start)
	return rep, nil
}

// addRow stages e with v (the API's row) as its JSON.
func (s *stage) addRow(ctx context.Context, e Entry, v any) error {
	r, err := rowOf(e, v)
	if err != nil {
		return err
	}
	return s.add(ctx, r)
}

// dedupe keeps the last row for each key, in first-seen order.
func dedupe(rows []cacheRow) []cacheRow {
	at := make(map[string]int, len(rows))
	out := rows[:0]
	for _, r := range rows {
		if i, ok := at[r.entry.Key]; ok {
			out[i] = r
			continue
		}
		at[r.entry.Key] = len(out)
		out = append(out, r)
	}
	return out
}

// insertRows writes rows into dir's table after its last row, replacing
// the values of rows with the same key (which keep their place) when
// upsert is set.
func insertRows(ctx context.Context, tx *sql.Tx, dir Directory, rows []cacheRow, upsert bool) error {
	table, key := cacheTable(dir)
	var last int64
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(rowid), 0) FROM "+table).Scan(&last); err != nil {
		return err
	}
	q := "INSERT INTO " + table + " (rowid, " + key + ", name, detail, text, inactive, data) VALUES (?, ?, ?, ?, ?, ?, ?)"
	if upsert {
		q += " ON CONFLICT(" + key + `) DO UPDATE SET name = excluded.name, detail = excluded.detail,
			text = excluded.text, inactive = excluded.inactive, data = excluded.data`
	}
	stmt, err := tx.PrepareContext(ctx, q)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i, r := range rows {
		e := r.entry
		if _, err := stmt.ExecContext(ctx, last+1+int64(i), e.Key, e.Name, e.Detail, e.Text, e.Inactive, r.data); err != nil {
			return err
		}
	}
	return nil
}

// FindPatientsRemote asks Cobalt (GET /v1/patients) when a patient is not
// in the local cache; found patients are added to the cache and the index.
func (d *Desk) FindPatientsRemote(ctx context.Context, q api.PatientQuery) ([]api.Patient, error) {
	if d.client == nil {
		return nil, errNoClient
	}
	pts, _, err := d.client.Patients(ctx, q)
	if err != nil {
		return nil, err
	}
	var rows []cacheRow
	for _, p := range pts {
		if p.MRN == "" {
			continue
		}
		r, err := rowOf(PatientEntry(p), p)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 || d.st.ro {
		return pts, nil
	}
	d.syncMu.Lock() // not while a sync replaces the same table
	defer d.syncMu.Unlock()
	if err := d.st.write(ctx, func(tx *sql.Tx) error {
		if err := d.note(ctx, tx, FeedDirectories, 0); err != nil {
			return err
		}
		return insertRows(ctx, tx, Patients, dedupe(rows), true)
	}); err != nil {
		return pts, fmt.Errorf("saving found patients: %w", err)
	}
	// The index has no incremental insert: rebuild it from the cache.
	entries, err := d.loadEntries(ctx, Patients)
	if err != nil {
		return pts, err
	}
	d.idx[Patients].Replace(entries)
	return pts, nil
}
