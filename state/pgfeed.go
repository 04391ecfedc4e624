package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// feedChannel is the LISTEN/NOTIFY channel of the change feed. Its payload
// is the entry's id: never PHI.
const feedChannel = "refdesk_changes"

// pgFeed is the ChangeFeed of a PostgreSQL store: the same changes table,
// a NOTIFY at each commit, and per follower one dedicated connection that
// LISTENs and reads the table after each notification (and every tick, in
// case one was lost).
//
// An identity id is not commit order here: transaction A takes id 10, B
// takes 11, B commits first. A follower therefore remembers the ids below
// the highest it has read that it has not seen yet (gaps). A gap is read
// again each round until it appears (it is delivered then) or until every
// transaction that could hold it has ended without it appearing (a
// rolled-back id: it is forgotten). Record gives its transaction an id
// before it takes the entry's number, so a gap's owner has an xid below
// the next xid the follower sees after noticing the gap (its bound); once
// a snapshot's xmin passes that bound and the gap is still not visible in
// it, the gap can never fill. No time guess is involved: nothing is
// missed and nothing is delivered twice, however long a transaction holds
// its number (a very long unrelated transaction only delays forgetting).
type pgFeed struct {
	st   *store
	url  string
	tick time.Duration // a read with no notification (default 1s)
	now  func() time.Time
	log  *slog.Logger
	pid  atomic.Uint32 // the listening connection's backend (tests end it)
}

func (f *pgFeed) Record(ctx context.Context, tx *sql.Tx, e FeedEntry) error {
	// The transaction gets its xid before the entry gets its number, so a
	// follower that sees a later number committed can bound this
	// transaction (see pgFeed): the subquery x, volatile, is evaluated
	// before the row it feeds is projected, and one statement saves a
	// round trip per write.
	_, err := tx.ExecContext(ctx, `WITH c AS (
		INSERT INTO changes (id, at, origin, kind, ref)
		SELECT nextval(pg_get_serial_sequence('changes', 'id')), $1, $2, $3, $4
		FROM (SELECT pg_current_xact_id() AS xid) x WHERE x.xid IS NOT NULL
		RETURNING id)
		SELECT pg_notify('`+feedChannel+`', id::text) FROM c`,
		f.now().UnixNano(), e.Origin, string(e.Kind), e.Ref)
	return err
}

// recordReferrals is Record for one FeedReferral entry per id, in one
// statement (a batch of webhook events); the xid is taken first as there.
func (f *pgFeed) recordReferrals(ctx context.Context, tx *sql.Tx, origin string, ids []int64) error {
	_, err := tx.ExecContext(ctx, `WITH x AS MATERIALIZED (SELECT pg_current_xact_id() AS xid),
		c AS (INSERT INTO changes (id, at, origin, kind, ref)
		SELECT nextval(pg_get_serial_sequence('changes', 'id')), $1, $2, $3, r.ref
		FROM x, unnest($4::bigint[]) AS r(ref) WHERE x.xid IS NOT NULL
		RETURNING id)
		SELECT pg_notify('`+feedChannel+`', id::text) FROM c`,
		f.now().UnixNano(), origin, string(FeedReferral), ids)
	return err
}

func (f *pgFeed) Prune(ctx context.Context, before time.Time) error {
	return f.st.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM changes WHERE at < $1", before.UnixNano())
		return err
	})
}

// Follow listens on a dedicated connection; when it is lost it reconnects
// with backoff (100ms doubling to 5s, back to 100ms once a connection has
// lasted a minute) and catches up from the table.
func (f *pgFeed) Follow(ctx context.Context, skip string, apply func([]FeedEntry)) error {
	fl := &follower{skip: skip, apply: apply, gaps: map[int64]uint64{}}
	started := false
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		conn, err := f.listen(ctx)
		if err == nil && !started {
			if err = fl.start(ctx, conn); err == nil {
				started = true
			}
		}
		if err == nil {
			began := time.Now()
			err = f.run(ctx, conn, fl)
			if time.Since(began) > time.Minute {
				backoff = 100 * time.Millisecond // it had worked: retry soon
			}
		}
		if conn != nil {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			_ = conn.Close(cctx)
			cancel()
		}
		if ctx.Err() != nil {
			return nil
		}
		f.log.Warn("change feed: the listening connection was lost; reconnecting", "err", err, "retry_in", backoff.String())
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(2*backoff, 5*time.Second)
	}
	return nil
}

// listen opens the follower's connection and LISTENs.
func (f *pgFeed) listen(ctx context.Context) (*pgx.Conn, error) {
	// The follower's own transactions only read, but for the gap bounds
	// (round); they need not wait for a disk flush at commit.
	conn, err := connectPG(ctx, f.url, "refdesk change feed", "synchronous_commit", "off")
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+feedChannel); err != nil {
		_ = conn.Close(ctx)
		return nil, err
	}
	f.pid.Store(conn.PgConn().PID())
	return conn, nil
}

// run reads what was committed while it was not listening, then after each
// notification and each tick, until ctx ends (nil) or the connection fails.
func (f *pgFeed) run(ctx context.Context, conn *pgx.Conn, fl *follower) error {
	tick := f.tick
	if tick <= 0 {
		tick = time.Second
	}
	if err := fl.round(ctx, conn); err != nil {
		return err
	}
	for {
		wctx, cancel := context.WithTimeout(ctx, tick)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil && !pgTimeout(err) {
			return err
		}
		if n != nil && fl.covered(n.Payload) {
			continue // a round since has read it
		}
		if err := fl.round(ctx, conn); err != nil {
			return err
		}
	}
}

// pgTimeout reports whether err is a wait that ended at its deadline (the
// connection is still good).
func pgTimeout(err error) bool {
	return errors.Is(err, context.DeadlineExceeded)
}

// follower is one Follow's position: every id up to hi was delivered,
// skipped as another process's own, or is in gaps.
type follower struct {
	skip  string
	apply func([]FeedEntry)
	hi    int64
	// gaps maps each id below hi not seen yet to its bound: an xid above
	// that of any transaction that could hold it (0: not taken yet).
	gaps map[int64]uint64
}

// feedWindow is how far below the newest entry Follow looks at start for
// entries of transactions still in progress, and the most ids one round
// reads.
const feedWindow = 1000

// maxGap bounds the gaps remembered at once: ids further below the newest
// than this are given up (a sequence moved by hand, not a transaction).
const maxGap = 100_000

// start places the follower at the newest entry; the ids of the window
// below it that are not visible yet may belong to transactions in
// progress: they are gaps, delivered if they commit.
func (fl *follower) start(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, `SELECT id FROM changes
		WHERE id > (SELECT COALESCE(MAX(id), 0) FROM changes) - $1 ORDER BY id`, feedWindow)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(ids) == 0 {
		return err
	}
	fl.hi = ids[len(ids)-1]
	seen := make(map[int64]bool, len(ids))
	for _, id := range ids {
		seen[id] = true
	}
	for id := max(fl.hi-feedWindow, 0) + 1; id < fl.hi; id++ {
		if !seen[id] {
			fl.gaps[id] = 0
		}
	}
	return fl.bound(ctx, conn)
}

// covered reports whether the entry whose id is payload was read already.
func (fl *follower) covered(payload string) bool {
	id, err := strconv.ParseInt(payload, 10, 64)
	if err != nil {
		return false
	}
	_, gap := fl.gaps[id]
	return id <= fl.hi && !gap
}

// round reads the entries above hi and those in gaps, delivers the new
// ones, and forgets the gaps that can no longer fill.
func (fl *follower) round(ctx context.Context, conn *pgx.Conn) error {
	for {
		gapIDs := make([]int64, 0, len(fl.gaps))
		for id := range fl.gaps {
			gapIDs = append(gapIDs, id)
		}
		// One statement, one snapshot: its xmin and the rows it sees.
		rows, err := conn.Query(ctx, `SELECT s.xmin::text, c.id, c.kind, c.ref, c.origin
			FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin) s
			LEFT JOIN LATERAL (SELECT id, kind, ref, origin FROM changes WHERE id > $1 OR id = ANY($2) ORDER BY id LIMIT $3) c ON true
			ORDER BY c.id`, fl.hi, gapIDs, feedWindow)
		if err != nil {
			return err
		}
		var xminText string
		var batch []FeedEntry
		for rows.Next() {
			var id, ref *int64
			var kind, origin *string
			if err := rows.Scan(&xminText, &id, &kind, &ref, &origin); err != nil {
				rows.Close()
				return err
			}
			if id != nil {
				batch = append(batch, FeedEntry{Seq: *id, Kind: FeedKind(*kind), Ref: *ref, Origin: *origin})
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		xmin, err := strconv.ParseUint(xminText, 10, 64)
		if err != nil {
			return fmt.Errorf("state: unexpected snapshot xmin %q", xminText)
		}
		// Delivered before anything else can fail: take has moved hi past
		// them. A gap left without its bound gets one next round.
		if theirs := fl.take(batch, xmin); len(theirs) > 0 {
			fl.apply(theirs)
		}
		if err := fl.bound(ctx, conn); err != nil {
			return err
		}
		if len(batch) < feedWindow {
			return nil
		}
	}
}

// take advances the follower over batch (sorted by id, read in a snapshot
// whose xmin is xmin) and returns the entries to deliver.
func (fl *follower) take(batch []FeedEntry, xmin uint64) []FeedEntry {
	var out []FeedEntry
	for _, e := range batch {
		if e.Seq <= fl.hi {
			if _, ok := fl.gaps[e.Seq]; !ok {
				continue // delivered already
			}
			delete(fl.gaps, e.Seq)
		} else {
			for id := max(fl.hi, e.Seq-maxGap) + 1; id < e.Seq; id++ {
				fl.gaps[id] = 0
			}
			fl.hi = e.Seq
		}
		if e.Origin != fl.skip {
			out = append(out, e)
		}
	}
	// Every transaction below the bound had ended when the snapshot was
	// taken, and the gap was not in it: rolled back.
	for id, bound := range fl.gaps {
		if bound != 0 && xmin >= bound {
			delete(fl.gaps, id)
		}
	}
	return out
}

// bound gives the gaps noticed since the last call their bound: the next
// xid, taken after the snapshot in which they were noticed, so above any
// xid their owners had (Record takes its xid before its number). It costs
// the follower a transaction id, only in rounds that found new gaps.
func (fl *follower) bound(ctx context.Context, conn *pgx.Conn) error {
	var fresh bool
	for _, b := range fl.gaps {
		if b == 0 {
			fresh = true
			break
		}
	}
	if !fresh {
		return nil
	}
	var text string
	if err := conn.QueryRow(ctx, "SELECT pg_current_xact_id()::text").Scan(&text); err != nil {
		return err
	}
	next, err := strconv.ParseUint(text, 10, 64)
	if err != nil {
		return fmt.Errorf("state: unexpected xid %q", text)
	}
	for id, b := range fl.gaps {
		if b == 0 {
			fl.gaps[id] = next
		}
	}
	return nil
}
