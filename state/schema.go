package state

// migrations are the schema's versions, applied in order; PRAGMA
// user_version records how many have run. Never edit one that has shipped:
// append a new one, here and in pgMigrations (pg_schema.go), under the same
// number.
//
// Times are INTEGER Unix nanoseconds. The three directory tables keep the
// API's row as JSON (data) plus the index entry's columns, so the indexes
// load without decoding JSON.
var migrations = []string{
	// 1: the initial schema.
	`
CREATE TABLE providers (
	ehr_id   TEXT PRIMARY KEY,
	name     TEXT NOT NULL,
	detail   TEXT NOT NULL,
	text     TEXT NOT NULL,
	inactive INTEGER NOT NULL DEFAULT 0,
	data     TEXT NOT NULL
);
CREATE TABLE referring_providers (
	ehr_id   TEXT PRIMARY KEY,
	name     TEXT NOT NULL,
	detail   TEXT NOT NULL,
	text     TEXT NOT NULL,
	inactive INTEGER NOT NULL DEFAULT 0,
	data     TEXT NOT NULL
);
CREATE TABLE patients (
	mrn      TEXT PRIMARY KEY,
	name     TEXT NOT NULL,
	detail   TEXT NOT NULL,
	text     TEXT NOT NULL,
	inactive INTEGER NOT NULL DEFAULT 0,
	data     TEXT NOT NULL
);
CREATE TABLE sync_meta (
	directory TEXT PRIMARY KEY,
	synced_at INTEGER NOT NULL,
	count     INTEGER NOT NULL
);
CREATE TABLE referrals (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	referral_id    TEXT UNIQUE,
	job_id         TEXT,
	status         TEXT NOT NULL,
	sender         TEXT NOT NULL,
	input          TEXT NOT NULL,
	patient_mrn    TEXT NOT NULL,
	to_ehr_id      TEXT NOT NULL,
	reason_key     TEXT NOT NULL,
	ehr_id         TEXT NOT NULL DEFAULT '',
	docs_attached  INTEGER,
	docs_failed    INTEGER,
	failure_reason TEXT NOT NULL DEFAULT '',
	attention      TEXT NOT NULL DEFAULT '',
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL,
	status_since   INTEGER NOT NULL,
	last_event_at  INTEGER
);
CREATE INDEX referrals_status ON referrals(status);
CREATE INDEX referrals_created ON referrals(created_at);
CREATE INDEX referrals_dup ON referrals(patient_mrn, to_ehr_id, reason_key, created_at);
CREATE INDEX referrals_job ON referrals(job_id);
CREATE TABLE transitions (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	referral    INTEGER NOT NULL REFERENCES referrals(id),
	at          INTEGER NOT NULL,
	from_status TEXT NOT NULL,
	to_status   TEXT NOT NULL,
	cause       TEXT NOT NULL
);
CREATE INDEX transitions_referral ON transitions(referral, id);
CREATE TABLE events (
	event_id    TEXT PRIMARY KEY,
	type        TEXT NOT NULL,
	referral_id TEXT NOT NULL DEFAULT '',
	job_id      TEXT NOT NULL DEFAULT '',
	data        TEXT NOT NULL,
	source      TEXT NOT NULL,
	received_at INTEGER NOT NULL,
	applied     INTEGER NOT NULL DEFAULT 0,
	outcome     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_referral ON events(referral_id);
CREATE INDEX events_job ON events(job_id);
CREATE TABLE drafts (
	user     TEXT PRIMARY KEY,
	input    TEXT NOT NULL,
	saved_at INTEGER NOT NULL
);
CREATE TABLE audit (
	id     INTEGER PRIMARY KEY AUTOINCREMENT,
	at     INTEGER NOT NULL,
	user   TEXT NOT NULL,
	action TEXT NOT NULL,
	detail TEXT NOT NULL
);
`,
	// 2: drafts put aside ("not now" on the resume prompt), offered again
	// once the working draft is gone, oldest first.
	`
CREATE TABLE drafts_held (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	user     TEXT NOT NULL,
	input    TEXT NOT NULL,
	saved_at INTEGER NOT NULL
);
CREATE INDEX drafts_held_user ON drafts_held(user, id);
`,
	// 3: running like a server (issue 15): the change feed other processes
	// follow, the leases that keep one reconciler per store, and the
	// automatic sync's last failure.
	`
CREATE TABLE changes (
	id     INTEGER PRIMARY KEY AUTOINCREMENT,
	at     INTEGER NOT NULL,
	origin TEXT NOT NULL,
	kind   TEXT NOT NULL,
	ref    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE leases (
	name       TEXT PRIMARY KEY,
	holder     TEXT NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE TABLE sync_state (
	id        INTEGER PRIMARY KEY CHECK (id = 1),
	error     TEXT NOT NULL DEFAULT '',
	auth      INTEGER NOT NULL DEFAULT 0,
	failed_at INTEGER NOT NULL DEFAULT 0,
	next_try  INTEGER NOT NULL DEFAULT 0
);
`,
}
