package state

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// The store runs on two engines: SQLite (a file, the default) and
// PostgreSQL (DatabaseURL, several nodes on one database). Every query in
// state is written once, in the SQL both run, with `?` placeholders. What
// differs lives here and in schema.go's two migration lists:
//
//   - placeholders: PostgreSQL wants $1, $2…; pgConn rewrites `?` on its
//     way to pgx (rebind), so no caller knows;
//   - booleans: SQLite stores Go bools as 0/1; pgx will not put a bool into
//     an INTEGER column, so pgConn passes them as 0/1 too;
//   - the schema version: PRAGMA user_version vs a schema_version table;
//   - the directory sync's staging tables and JSON functions (below);
//   - concurrency: SQLite has one writer (one connection, BEGIN IMMEDIATE),
//     so a read-then-write transaction sees nothing move under it. On
//     PostgreSQL several nodes write at once: every write transaction runs
//     SERIALIZABLE and is retried whole (a bounded number of times) when the
//     database aborts it as a serialization failure or deadlock, so each
//     write closure must be safe to run again (it resets what it captures,
//     and publishes or calls out only after the commit).

// isPostgresURL reports whether u names a PostgreSQL database.
func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// openPostgres opens one pool on the database at url, every query going
// through pgConn. A read-only pool has the server refuse writes as well.
func openPostgres(url string, readOnly bool) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password included: keep it out.
		return nil, errors.New("state: the database URL is not a valid PostgreSQL URL (postgres://user:password@host:port/database)")
	}
	if readOnly {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	// Commits are flushed as the server is set (synchronous_commit=on by
	// default): a referral, its history, a draft and the audit survive a
	// crash of the database's machine. Only webhook events skip the flush
	// (relaxCommit): an event lost that way leaves its referral Processing,
	// and the reconciler learns it again from Cobalt's event log.
	db := sql.OpenDB(&pgConnector{base: stdlib.GetConnector(*cfg)})
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// pgConnector wraps pgx's connector so that every connection rebinds.
type pgConnector struct {
	base driver.Connector
	// rebound caches each short query's rewrite (the package's own, a
	// bounded set); long ones (the sync's multi-row inserts, one per batch
	// size) are rewritten each time, at a cost small beside their rows.
	rebound sync.Map
}

// rebindCacheMax is the longest query whose rewrite is kept.
const rebindCacheMax = 2048

func (c *pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	cn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	pc, ok := cn.(*stdlib.Conn)
	if !ok {
		cn.Close()
		return nil, fmt.Errorf("state: unexpected pgx connection type %T", cn)
	}
	return &pgConn{Conn: pc, c: c}, nil
}

func (c *pgConnector) Driver() driver.Driver { return c.base.Driver() }

func (c *pgConnector) rebind(q string) string {
	if v, ok := c.rebound.Load(q); ok {
		return v.(string)
	}
	r := rebind(q)
	if len(q) <= rebindCacheMax {
		c.rebound.Store(q, r)
	}
	return r
}

// pgConn is a pgx connection whose queries are rebound; everything else
// (transactions, sessions, pings) is pgx's own.
type pgConn struct {
	*stdlib.Conn
	c *pgConnector
}

func (p *pgConn) Prepare(q string) (driver.Stmt, error) {
	return p.Conn.Prepare(p.c.rebind(q))
}

func (p *pgConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return p.Conn.PrepareContext(ctx, p.c.rebind(q))
}

func (p *pgConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return p.Conn.ExecContext(ctx, p.c.rebind(q), args)
}

func (p *pgConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return p.Conn.QueryContext(ctx, p.c.rebind(q), args)
}

// CheckNamedValue passes bools as 0/1, as SQLite stores them.
func (p *pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	if b, ok := nv.Value.(bool); ok {
		nv.Value = int64(0)
		if b {
			nv.Value = int64(1)
		}
	}
	return p.Conn.CheckNamedValue(nv)
}

// rebind turns each `?` placeholder of q into PostgreSQL's $n, leaving
// alone what is inside quotes ('…', "…"), comments (-- … and /* … */) and
// dollar-quoted strings ($tag$ … $tag$).
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) {
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c { // a doubled quote
						j += 2
						continue
					}
					break
				}
				j++
			}
			j = min(j+1, len(q))
			b.WriteString(q[i:j])
			i = j - 1
			continue
		case c == '-' && strings.HasPrefix(q[i:], "--"):
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j - 1
			continue
		case c == '/' && strings.HasPrefix(q[i:], "/*"):
			j := strings.Index(q[i+2:], "*/")
			end := len(q)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			b.WriteString(q[i:end])
			i = end - 1
			continue
		case c == '$':
			if tag, ok := dollarTag(q[i:]); ok {
				end := len(q)
				if j := strings.Index(q[i+len(tag):], tag); j >= 0 {
					end = i + len(tag) + j + len(tag)
				}
				b.WriteString(q[i:end])
				i = end - 1
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// dollarTag returns the $tag$ opening s, if s opens a dollar-quoted string.
func dollarTag(s string) (string, bool) {
	for j := 1; j < len(s); j++ {
		c := s[j]
		if c == '$' {
			return s[:j+1], true
		}
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || j > 1 && c >= '0' && c <= '9') {
			return "", false
		}
	}
	return "", false
}

// writeRetries bounds how many times a PostgreSQL write transaction is run
// again after the database aborted it to keep transactions serializable.
const writeRetries = 12

// retryable reports whether err is PostgreSQL aborting a transaction that
// may simply be run again: a serialization failure or a deadlock.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

// retryPause waits a little, growing and jittered, before retry try.
func retryPause(ctx context.Context, try int) error {
	d := time.Duration(1<<min(try, 6)) * time.Millisecond
	d += rand.N(d + time.Millisecond)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// jsonField is the SQL reading text field name of the JSON in column col
// (NULL when the column holds no JSON object).
func (s *store) jsonField(col, name string) string {
	if s.pg {
		return "CASE WHEN " + col + " LIKE '{%}' THEN (" + col + "::jsonb ->> '" + name + "') END"
	}
	return "CASE WHEN json_valid(" + col + ") THEN json_extract(" + col + ", '$." + name + "') END"
}

// claimRow ends a SELECT that claims the row it reads for the transaction
// (the outbox taking a referral to send). On PostgreSQL, FOR UPDATE SKIP
// LOCKED: a row another node is claiming right now is skipped, not waited
// for, so the two never both send it, and neither stalls or aborts on the
// other. SQLite's single writer already runs claims one at a time.
func (s *store) claimRow() string {
	if s.pg {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// relaxCommit lets the transaction tx commit without waiting for the disk
// flush, on PostgreSQL (SQLite's writes keep the file's durability, WAL with
// synchronous=NORMAL, whatever this says). Only for what refdesk can learn
// again: a webhook event whose commit is lost leaves the referral as it
// was, and the reconciler polls Cobalt for it. Each flush costs ~1.4 ms
// here, and one process writes one transaction at a time: flushing every
// event held a node near 400 webhook events/s.
func (s *store) relaxCommit(ctx context.Context, tx *sql.Tx) error {
	if !s.pg {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SET LOCAL synchronous_commit = off")
	return err
}
