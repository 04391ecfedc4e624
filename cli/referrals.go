package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"refdesk/icd10"
	"refdesk/state"
	"refdesk/textsafe"
)

// referralRow is one referral as `refdesk referrals` prints it; JSON and
// CSV carry the same fields.
type referralRow struct {
	ID            int64  `json:"id"`
	Status        string `json:"status"`
	Created       string `json:"created"`
	Updated       string `json:"updated"`
	Sender        string `json:"sender"`
	PatientMRN    string `json:"patient_mrn"`
	PatientName   string `json:"patient_name"`
	PatientDOB    string `json:"patient_dob"`
	Direction     string `json:"direction"`
	Priority      string `json:"priority"`
	From          string `json:"from_provider_ehr_id"`
	FromProvider  string `json:"from_provider"` // name · speciality · city · NPI · EHR id
	To            string `json:"to_provider_ehr_id"`
	ToProvider    string `json:"to_provider"`
	Reason        string `json:"reason"`
	ReferralID    string `json:"referral_id"`
	JobID         string `json:"job_id"`
	EHRID         string `json:"ehr_id"`
	FailureReason string `json:"failure_reason"`
	Attention     string `json:"attention"`

	// DiagnosisCodes carry their descriptions from the code set in use
	// ("" for a code it does not hold).
	DiagnosisCodes []diagnosisCode `json:"diagnosis_codes"`
}

var referralColumns = []string{"id", "status", "created", "updated", "sender", "patient_mrn", "patient_name",
	"patient_dob", "direction", "priority", "from_provider_ehr_id", "from_provider", "to_provider_ehr_id",
	"to_provider", "reason", "diagnosis_codes", "diagnosis_descriptions", "referral_id", "job_id", "ehr_id",
	"failure_reason", "attention"}

// diagnosisCode is a code with its description.
type diagnosisCode struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// fields are the CSV cells: the codes, and their descriptions, each joined
// by "; " (no description contains one).
func (r referralRow) fields() []string {
	codes, descs := make([]string, len(r.DiagnosisCodes)), make([]string, len(r.DiagnosisCodes))
	for i, c := range r.DiagnosisCodes {
		codes[i], descs[i] = c.Code, c.Description
	}
	return []string{strconv.FormatInt(r.ID, 10), r.Status, r.Created, r.Updated, r.Sender, r.PatientMRN,
		r.PatientName, r.PatientDOB, r.Direction, r.Priority, r.From, r.FromProvider, r.To, r.ToProvider,
		r.Reason, strings.Join(codes, "; "), strings.Join(descs, "; "), r.ReferralID, r.JobID, r.EHRID,
		r.FailureReason, r.Attention}
}

func rowOf(r state.Referral, codes *icd10.Set) referralRow {
	row := referralRow{ID: r.ID, Status: string(r.Status), Created: r.CreatedAt.UTC().Format(time.RFC3339),
		Updated: r.UpdatedAt.UTC().Format(time.RFC3339), Sender: r.Sender, PatientMRN: r.PatientMRN,
		PatientName: r.PatientName, PatientDOB: r.PatientDOB, Direction: r.Direction, Priority: r.Priority,
		From: r.FromEHRID, FromProvider: r.FromLine(), To: r.ToEHRID, ToProvider: r.ToLine(), Reason: r.Reason, ReferralID: r.ReferralID, JobID: r.JobID, EHRID: r.EHRID,
		FailureReason: r.FailureReason, Attention: r.Attention, DiagnosisCodes: []diagnosisCode{}}
	for _, c := range r.DiagnosisCodes {
		row.DiagnosisCodes = append(row.DiagnosisCodes, diagnosisCode{c, codes.Describe(c)})
	}
	return row
}

// parseSince reads a date (2026-11-25), a date and time (RFC 3339) or a
// duration back from now (24h, 90m).
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since takes a date (2026-11-25), a time (2026-11-25T08:00:00Z) or a duration back from now (24h); got %q", s)
}

// parseStatuses reads --status: statuses, and "attention" for the
// referrals flagged for a person (whatever their status).
func parseStatuses(s string) (_ []state.Status, attention bool, _ error) {
	if s == "" {
		return nil, false, nil
	}
	all := []state.Status{state.Draft, state.Submitting, state.Processing, state.Completed, state.Failed, state.NotSent, state.Unknown}
	var out []state.Status
	for _, part := range strings.Split(s, ",") {
		p := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(part)), " ", "_")
		if p == "attention" || p == "needs_attention" {
			attention = true
			continue
		}
		found := false
		for _, st := range all {
			if string(st) == p {
				out, found = append(out, st), true
			}
		}
		if !found {
			names := make([]string, len(all))
			for i, st := range all {
				names[i] = string(st)
			}
			return nil, false, fmt.Errorf("unknown status %q: use one or more of %s, or attention (flagged for a person), separated by commas", part, strings.Join(names, ", "))
		}
	}
	return out, attention, nil
}

// runReferrals prints the local record of referrals. It only reads, so it
// works beside a running `refdesk serve` on the same data directory.
func runReferrals(cio IO, args []string) int {
	cfg := loadConfig(cio.Env)
	fs := newFlags(cio, "referrals", "referrals [flags]")
	cfg.bindFlags(fs)
	cfg.bindDatabase(fs)
	status := fs.String("status", "", "only these statuses, e.g. failed or processing,unknown; attention: those flagged for a person")
	since := fs.String("since", "", "only referrals created since a date, a time, or a duration back (24h)")
	asJSON := fs.Bool("json", false, "print JSON")
	asCSV := fs.Bool("csv", false, "print CSV (for a spreadsheet)")
	limit := fs.Int("limit", 0, "at most this many, newest first (0: all)")
	sandboxDB := fs.Bool("sandbox", false, "list the sandbox's referrals (sandbox.db) instead of the clinic's (refdesk.db)")
	if code, done := parse(fs, args); done {
		return code
	}
	if code, done := noArgs(cio, fs); done {
		return code
	}
	if err := cfg.loadFiles(fs, cio.Env); err != nil {
		fmt.Fprintf(cio.Stderr, "refdesk referrals: %v\n", err)
		return ExitUsage
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(cio.Stderr, "refdesk referrals: "+format+"\n", a...)
		return code
	}
	if *asJSON && *asCSV {
		return fail(ExitUsage, "choose --json or --csv, not both")
	}
	st, attention, err := parseStatuses(*status)
	if err != nil {
		return fail(ExitUsage, "%v", err)
	}
	from, err := parseSince(*since, time.Now())
	if err != nil {
		return fail(ExitUsage, "%v", err)
	}
	// Which database is chosen, never guessed from the credentials (a
	// script without them must not list synthetic referrals as the
	// clinic's): the clinic's (the SQLite file, or PostgreSQL with
	// --database), or the sandbox's with --sandbox, as backup.
	name := "refdesk.db"
	if *sandboxDB {
		if cfg.DatabaseURL != "" {
			return fail(ExitUsage, "--sandbox lists the sandbox's sandbox.db, never a PostgreSQL database: drop --sandbox, or unset --database / REFDESK_DATABASE_URL")
		}
		name = "sandbox.db"
	}
	db := filepath.Join(cfg.DataDir, name)
	if _, err := os.Stat(db); err != nil && cfg.DatabaseURL == "" {
		hint := "is --data-dir right? serve's is the --data-dir it runs with"
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "sandbox.db")); err == nil && !*sandboxDB {
			hint = "the sandbox's referrals are in sandbox.db beside it: add --sandbox to list them"
		}
		return fail(ExitUsage, "no referrals here yet: %s does not exist (%s)", db, hint)
	}
	ctx := context.Background()
	desk, err := state.Open(ctx, state.Options{Path: db, DatabaseURL: cfg.DatabaseURL, ReadOnly: true})
	if err != nil {
		return fail(ExitUsage, "%v", scrubDatabase(fmt.Errorf("cannot read %s: %w", describeDatabase(cfg, name), err), cfg.DatabaseURL))
	}
	defer desk.Close()
	refs, err := desk.Referrals(ctx, state.Filter{Status: st, Attention: attention, Since: from, Limit: *limit})
	if err != nil {
		return fail(ExitFailed, "%v", err)
	}
	codes, _ := icd10.Open(cfg.DataDir) // on error, the embedded set
	rows := make([]referralRow, len(refs))
	for i, r := range refs {
		rows[i] = rowOf(r, codes)
	}
	switch {
	case *asJSON:
		enc := json.NewEncoder(cio.Stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rows)
	case *asCSV:
		err = writeCSV(cio.Stdout, rows)
	default:
		err = writeTable(cio.Stdout, rows)
	}
	if err != nil {
		return fail(ExitFailed, "%v", err)
	}
	return ExitOK
}

func writeCSV(w io.Writer, rows []referralRow) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(referralColumns)
	for _, r := range rows {
		f := r.fields()
		for i, v := range f {
			v = textsafe.Lines(v) // as on the screen; newlines kept (CSV quotes them)
			f[i] = v
			// A cell a spreadsheet would run as a formula is written inert.
			if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) && i != 0 {
				f[i] = "'" + v
			}
		}
		_ = cw.Write(f)
	}
	cw.Flush()
	return cw.Error()
}

func writeTable(w io.Writer, rows []referralRow) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "no referrals match")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tCREATED\tSENDER\tPATIENT\tPRIORITY\tTO\tEHR ID\tNOTE")
	for _, r := range rows {
		note := r.FailureReason
		if r.Attention != "" {
			note = r.Attention
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, state.Status(r.Status).Label(), r.Created,
			clean(r.Sender), clean(orElse(state.PatientLine(r.PatientName, r.PatientDOB, r.PatientMRN), r.PatientName)),
			clean(r.Priority), clean(orElse(r.ToProvider, r.To)), clean(r.EHRID), clean(note))
	}
	return tw.Flush()
}

// clean keeps what the screen would not show from reaching the terminal
// (textsafe.Clean), and tabs, which would shift the table's columns.
func clean(s string) string { return textsafe.Clean(s) }

// orElse is s, or alt when s is empty.
func orElse(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
