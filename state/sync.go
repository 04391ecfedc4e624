package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"hash/fnv"
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

// Sync refreshes the three directories from Cobalt: everything is fetched
// first, then the three cache tables are replaced in one transaction, then
// the indexes. A failure anywhere leaves the old cache and indexes as they
// were. progress (may be nil) is called as each directory arrives.
func (d *Desk) Sync(ctx context.Context, progress func(SyncProgress)) (SyncReport, error) {
	if d.client == nil {
		return SyncReport{}, errNoClient
	}
	if d.st.ro {
		return SyncReport{}, ErrReadOnly
	}
	d.syncMu.Lock()
	defer d.syncMu.Unlock()
	start := d.now()
	report := func(dir Directory, done, total int) {
		if progress != nil {
			progress(SyncProgress{Directory: dir, Done: done, Total: total})
		}
	}
	fresh := make(map[Directory][]cacheRow, 3)

	report(Providers, 0, 0)
	ps, err := d.client.Providers(ctx)
	if err != nil {
		return SyncReport{}, fmt.Errorf("fetching providers: %w", err)
	}
	for _, p := range ps {
		if p.EHRID == "" {
			continue // cannot be sent: no EHR id
		}
		r, err := rowOf(ProviderEntry(p), p)
		if err != nil {
			return SyncReport{}, err
		}
		fresh[Providers] = append(fresh[Providers], r)
	}
	report(Providers, len(ps), len(ps))

	report(ReferringProviders, 0, 0)
	rps, err := d.client.ReferringProviders(ctx, api.ReferringProviderQuery{})
	if err != nil {
		return SyncReport{}, fmt.Errorf("fetching referring providers: %w", err)
	}
	for _, p := range rps {
		if p.EHRID == "" {
			continue
		}
		r, err := rowOf(ReferringProviderEntry(p), p)
		if err != nil {
			return SyncReport{}, err
		}
		fresh[ReferringProviders] = append(fresh[ReferringProviders], r)
	}
	report(ReferringProviders, len(rps), len(rps))

	report(Patients, 0, 0)
	pts, err := d.client.AllPatients(ctx, func(done, total int) { report(Patients, done, total) })
	if err != nil {
		return SyncReport{}, fmt.Errorf("fetching patients: %w", err)
	}
	for _, p := range pts {
		if p.MRN == "" {
			continue
		}
		r, err := rowOf(PatientEntry(p), p)
		if err != nil {
			return SyncReport{}, err
		}
		fresh[Patients] = append(fresh[Patients], r)
	}

	rep := SyncReport{Counts: map[Directory]int{}, Changed: map[Directory]int{}}
	for _, dir := range directories {
		fresh[dir] = dedupe(fresh[dir])
		n, err := d.countChanges(ctx, dir, fresh[dir])
		if err != nil {
			return SyncReport{}, err
		}
		rep.Counts[dir] = len(fresh[dir])
		rep.Changed[dir] = n
	}
	now := d.now()
	err = d.st.write(ctx, func(tx *sql.Tx) error {
		for _, dir := range directories {
			if err := replaceTable(ctx, tx, dir, fresh[dir], now); err != nil {
				return err
			}
		}
		return audit(ctx, tx, now, "refdesk", "sync",
			fmt.Sprintf("providers %d, referring providers %d, patients %d",
				rep.Counts[Providers], rep.Counts[ReferringProviders], rep.Counts[Patients]))
	})
	if err != nil {
		return SyncReport{}, fmt.Errorf("saving the directories: %w", err)
	}
	for _, dir := range directories {
		entries := make([]Entry, len(fresh[dir]))
		for i, r := range fresh[dir] {
			entries[i] = r.entry
		}
		d.idx[dir].Replace(entries)
	}
	rep.Took = d.now().Sub(start)
	return rep, nil
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

func hashOf(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// countChanges counts rows added, changed or removed by replacing dir's
// cache with rows.
func (d *Desk) countChanges(ctx context.Context, dir Directory, rows []cacheRow) (int, error) {
	table, key := cacheTable(dir)
	q, err := d.st.r.QueryContext(ctx, "SELECT "+key+", data FROM "+table)
	if err != nil {
		return 0, err
	}
	defer q.Close()
	old := make(map[string]uint64)
	for q.Next() {
		var k, data string
		if err := q.Scan(&k, &data); err != nil {
			return 0, err
		}
		old[k] = hashOf(data)
	}
	if err := q.Err(); err != nil {
		return 0, err
	}
	changed := 0
	for _, r := range rows {
		h, ok := old[r.entry.Key]
		if !ok || h != hashOf(r.data) {
			changed++
		}
		delete(old, r.entry.Key)
	}
	return changed + len(old), nil
}

// replaceTable replaces dir's cache with rows and records the sync time.
func replaceTable(ctx context.Context, tx *sql.Tx, dir Directory, rows []cacheRow, at time.Time) error {
	table, _ := cacheTable(dir)
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+table); err != nil {
		return err
	}
	if err := insertRows(ctx, tx, dir, rows, false); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO sync_meta (directory, synced_at, count) VALUES (?, ?, ?)
		ON CONFLICT(directory) DO UPDATE SET synced_at = excluded.synced_at, count = excluded.count`,
		string(dir), at.UnixNano(), len(rows))
	return err
}

// insertRows writes rows into dir's table (replacing rows with the same key
// when upsert is set).
func insertRows(ctx context.Context, tx *sql.Tx, dir Directory, rows []cacheRow, upsert bool) error {
	table, key := cacheTable(dir)
	verb := "INSERT"
	if upsert {
		verb = "INSERT OR REPLACE"
	}
	stmt, err := tx.PrepareContext(ctx, verb+" INTO "+table+" ("+key+", name, detail, text, inactive, data) VALUES (?, ?, ?, ?, ?, ?)")
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, r := range rows {
		e := r.entry
		if _, err := stmt.ExecContext(ctx, e.Key, e.Name, e.Detail, e.Text, e.Inactive, r.data); err != nil {
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
