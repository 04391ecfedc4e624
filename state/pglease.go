package state

import (
	"context"
	"errors"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgLeaser is the Leaser of a PostgreSQL store: per lease, a dedicated
// connection holding a session-level advisory lock, which PostgreSQL
// releases when that connection dies (the process was killed, its machine
// stopped answering the keepalives). The leases row is kept too, renewed
// on that same connection, for two reasons: LeaseHolder shows who holds a
// lease (doctor, metrics), and a process that takes the lock after the
// holder's connection died waits until the holder's row expires, by which
// time the holder, whose renewal failed with its connection, has stopped
// its job. So two processes never do the job at once, and another takes
// over within the TTL.
type pgLeaser struct {
	url string
	now func() time.Time
	log *slog.Logger

	mu    sync.Mutex
	conns map[string]*leaseConn // by lease name
}

type leaseConn struct {
	conn   *pgx.Conn
	locked bool // this session holds the advisory lock
}

// leaseKey is the advisory lock key of lease name (per database).
func leaseKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("refdesk lease " + name))
	return int64(h.Sum64())
}

func (l *pgLeaser) Acquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// A database that does not answer within a third of the TTL is as good
	// as lost: the holder must stop before another may take over.
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, max(ttl/3, 100*time.Millisecond))
	defer cancel()
	lc := l.conns[name]
	if lc != nil && lc.conn.IsClosed() {
		l.drop(name)
		if lc.locked {
			return false, nil // the lock went with its session
		}
		lc = nil
	}
	if lc == nil {
		conn, err := connectPG(ctx, l.url, "refdesk lease "+name)
		if err != nil {
			return false, err
		}
		lc = &leaseConn{conn: conn}
		if l.conns == nil {
			l.conns = map[string]*leaseConn{}
		}
		l.conns[name] = lc
	}
	if !lc.locked {
		var ok bool
		if err := lc.conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", leaseKey(name)).Scan(&ok); err != nil {
			l.drop(name)
			return false, err
		}
		if !ok {
			return false, nil
		}
		lc.locked = true
	}
	now := l.now()
	var got string
	err := lc.conn.QueryRow(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.holder = excluded.holder OR leases.expires_at < $4
		RETURNING holder`, name, holder, now.Add(ttl).UnixNano(), now.UnixNano()).Scan(&got)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		// The lock is ours but the previous holder's time is not over: it
		// may still be finishing its job. Keep the lock and wait.
		return false, nil
	case err != nil:
		// Whether the session (and the lock) survived is unknown: give it
		// up, and say at once that this process no longer holds the lease.
		l.drop(name)
		if parent.Err() == nil {
			l.log.Warn("lease: its connection failed; the lease is given up", "lease", name, "err", err)
		}
		return false, nil
	}
	return got == holder, nil
}

func (l *pgLeaser) Release(ctx context.Context, name, holder string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	// The row goes too, so another process takes over at its next try
	// rather than when the row expires; on a fresh connection when the
	// lease's own was lost (an Acquire cut short as the process stops).
	conn, fresh := (*pgx.Conn)(nil), false
	if lc := l.conns[name]; lc != nil && !lc.conn.IsClosed() {
		conn = lc.conn
	} else {
		c, err := connectPG(ctx, l.url, "refdesk lease "+name)
		if err != nil {
			l.drop(name)
			return err
		}
		conn, fresh = c, true
	}
	_, err := conn.Exec(ctx, "DELETE FROM leases WHERE name = $1 AND holder = $2", name, holder)
	if fresh {
		_ = conn.Close(ctx)
	}
	l.drop(name) // ending the session releases the lock
	return err
}

// close ends every lease connection (Desk.Close).
func (l *pgLeaser) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for name := range l.conns {
		l.drop(name)
	}
}

// drop closes lease name's connection. l.mu is held.
func (l *pgLeaser) drop(name string) {
	lc := l.conns[name]
	if lc == nil {
		return
	}
	delete(l.conns, name)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = lc.conn.Close(ctx)
}

// pid is the backend of lease name's connection (0: none), for tests.
func (l *pgLeaser) pid(name string) uint32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lc := l.conns[name]; lc != nil {
		return lc.conn.PgConn().PID()
	}
	return 0
}

// connectPG opens a dedicated connection (the change feed's listener, a
// lease's lock), named in pg_stat_activity, with keepalives short enough
// that the server notices within seconds a peer that went away without
// closing it, and releases what the session held.
func connectPG(ctx context.Context, url, name string, params ...string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	for k, v := range map[string]string{
		"application_name":        name,
		"tcp_keepalives_idle":     "3",
		"tcp_keepalives_interval": "1",
		"tcp_keepalives_count":    "3",
		"tcp_user_timeout":        "4000",
	} {
		cfg.RuntimeParams[k] = v
	}
	for i := 0; i+1 < len(params); i += 2 {
		cfg.RuntimeParams[params[i]] = params[i+1]
	}
	return pgx.ConnectConfig(ctx, cfg)
}
