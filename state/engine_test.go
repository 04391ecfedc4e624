package state

import "testing"

func TestRebind(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT id FROM referrals WHERE status = ? AND id > ?", "SELECT id FROM referrals WHERE status = $1 AND id > $2"},
		{"INSERT INTO t (a, b) VALUES (?, ?), (?, ?)", "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"},
		{"SELECT '?' , ? FROM t", "SELECT '?' , $1 FROM t"},
		{"SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1"},
		{`SELECT "odd?col", ? FROM t`, `SELECT "odd?col", $1 FROM t`},
		{"SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"},
		{"SELECT ? /* a ? b */ , ?", "SELECT $1 /* a ? b */ , $2"},
		{"SELECT $$ ? $$, ?", "SELECT $$ ? $$, $1"},
		{"SELECT $x$ ? $x$, ?", "SELECT $x$ ? $x$, $1"},
		{"SELECT ? -- no newline ?", "SELECT $1 -- no newline ?"},
		{"SELECT 'unterminated ?", "SELECT 'unterminated ?"},
		{`SELECT CASE WHEN data LIKE '{%}' THEN (data::jsonb ->> 'dob') END FROM t WHERE k = ?`,
			`SELECT CASE WHEN data LIKE '{%}' THEN (data::jsonb ->> 'dob') END FROM t WHERE k = $1`},
	}
	for _, c := range cases {
		if got := rebind(c.in); got != c.want {
			t.Errorf("rebind(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestIsPostgresURL(t *testing.T) {
	for u, want := range map[string]bool{
		"postgres://u@h/db": true, "postgresql://u@h/db": true,
		"": false, "/var/lib/refdesk.db": false, "mysql://u@h/db": false,
	} {
		if got := isPostgresURL(u); got != want {
			t.Errorf("isPostgresURL(%q) = %v", u, got)
		}
	}
}
