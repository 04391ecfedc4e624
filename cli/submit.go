package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"refdesk/api"
	"refdesk/state"
)

// submitResult is one line of `refdesk submit --json`.
type submitResult struct {
	ID            int64  `json:"id"`
	ReferralID    string `json:"referral_id,omitempty"`
	JobID         string `json:"job_id,omitempty"`
	Status        string `json:"status"`
	EHRID         string `json:"ehr_id,omitempty"`
	FailureReason string `json:"failure_reason,omitempty"`
	Attention     string `json:"attention,omitempty"`
}

func resultOf(r state.Referral) submitResult {
	return submitResult{ID: r.ID, ReferralID: r.ReferralID, JobID: r.JobID, Status: string(r.Status),
		EHRID: r.EHRID, FailureReason: r.FailureReason, Attention: r.Attention}
}

// runSubmit sends referrals from a JSON file (or standard input) through
// the same checks, outbox and duplicate warning as the form.
func runSubmit(cio IO, args []string) int {
	cfg := loadConfig(cio.Env)
	fs := newFlags(cio, "submit", "submit FILE|- [flags]\n\nFILE holds one referral, or a JSON array of them, in the body shape of\nPOST /v1/referrals; a document may be {\"path\": \"scan.pdf\"} instead of inline\nbase64. Exit codes: 0 ok, 1 a referral failed, 2 bad input (nothing sent),\n3 Cobalt unreachable or refused the credentials.\n\nFlags:")
	cfg.bindFlags(fs)
	cfg.bindDatabase(fs)
	wait := fs.Bool("wait", false, "wait until each referral is Completed or Failed (webhook or polling)")
	timeout := fs.Duration("timeout", 5*time.Minute, "with --wait: give up waiting after this long (exit 1)")
	asJSON := fs.Bool("json", false, "print machine-readable results")
	yes := fs.Bool("yes", false, "send even when a referral looks like a duplicate of one sent in the last 24 hours")
	sf := bindSandboxFlags(fs)
	if code, done := parse(fs, args); done {
		return code
	}
	if err := cfg.loadFiles(fs, cio.Env); err != nil {
		fmt.Fprintf(cio.Stderr, "refdesk submit: %v\n", err)
		return ExitUsage
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(cio.Stderr, "refdesk submit: "+format+"\n", a...)
		return code
	}
	if fs.NArg() != 1 {
		return fail(ExitUsage, "give one file of referrals, or - for standard input (see refdesk submit --help)")
	}
	so, err := sf.options()
	if err != nil {
		return fail(ExitUsage, "%v", err)
	}
	src, base := fs.Arg(0), "."
	var r io.Reader = cio.Stdin
	if src != "-" {
		f, err := os.Open(src)
		if err != nil {
			return fail(ExitUsage, "cannot open %s: %v", src, errors.Unwrap(err))
		}
		defer f.Close()
		r, base = f, filepath.Dir(src)
	}
	if err := ensureDataDir(cfg.DataDir); err != nil {
		return fail(ExitUsage, "%v", err)
	}
	inputs, err := readSubmit(r, base, filepath.Join(cfg.DataDir, "submitted"))
	if err != nil {
		return fail(ExitUsage, "%v", err)
	}
	if cfg.Sandbox() {
		fmt.Fprintln(cio.Stderr, "refdesk submit: no Cobalt credentials set: sending to the embedded sandbox (synthetic data)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	b, err := openBackend(ctx, cfg, backendOptions{Sandbox: so, NoReceiver: !*wait})
	if err != nil {
		return fail(backendExit(err), "%v", err)
	}
	defer b.Close()
	if err := initialSync(ctx, b, cio); err != nil {
		return fail(backendExit(err), "%v", err)
	}
	// Everything is checked before anything is sent.
	for i := range inputs {
		inputs[i] = b.desk.Describe(inputs[i])
		if err := b.desk.Check(inputs[i]); err != nil {
			var ce *state.CheckError
			if errors.As(err, &ce) && ce.Field == "codes" {
				// Name the referral even when the file holds one.
				return fail(ExitUsage, "referral %d: diagnosis_codes: %s Nothing was sent.", i+1, clean(err.Error()))
			}
			return fail(ExitUsage, "%s%v", itemPrefix(i, len(inputs)), err)
		}
		if dup, err := b.desk.FindDuplicate(ctx, inputs[i]); err == nil && dup != nil && !*yes {
			return fail(ExitUsage, "%sreferral #%d for the same patient, provider and reason was sent at %s. Nothing was sent; run again with --yes to send it anyway.",
				itemPrefix(i, len(inputs)), dup.ID, dup.CreatedAt.Local().Format("2006-01-02 15:04"))
		}
	}
	user := osUser(cio.Env)
	var sent []state.Referral
	code := ExitOK
	for i, in := range inputs {
		ref, err := b.desk.Submit(ctx, user, in)
		if err != nil && ref.ID == 0 {
			fmt.Fprintf(cio.Stderr, "refdesk submit: %s%v\n", itemPrefix(i, len(inputs)), err)
			code = max(code, submitExit(err))
			continue
		}
		sent = append(sent, ref)
		if !*asJSON {
			printSubmitted(cio.Stdout, ref)
		}
		code = max(code, statusExit(ref))
	}
	if *wait && len(sent) > 0 {
		// The reconciler runs here only if no other process on this data
		// directory (serve, a desk) holds the Cobalt lease; either way the
		// answers reach the store, which waitFinal reads.
		bgCtx, stopBg := context.WithCancel(ctx)
		bgDone := b.desk.Start(bgCtx, state.RunOptions{})
		defer func() { stopBg(); <-bgDone }()
		final, werr := waitFinal(ctx, b.desk, sent, *timeout, cio.Stderr)
		sent = final
		code = ExitOK
		for _, ref := range sent {
			code = max(code, statusExit(ref))
			if !*asJSON {
				printFinal(cio.Stdout, ref)
			}
		}
		if werr != nil {
			fmt.Fprintf(cio.Stderr, "refdesk submit: %v\n", werr)
			code = max(code, ExitFailed)
		}
	}
	if *asJSON {
		out := make([]submitResult, len(sent))
		for i, ref := range sent {
			out[i] = resultOf(ref)
		}
		enc := json.NewEncoder(cio.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(out)
	}
	return code
}

func itemPrefix(i, n int) string {
	if n == 1 {
		return ""
	}
	return fmt.Sprintf("referral %d: ", i+1)
}

// statusExit maps a referral's status to the command's exit code.
func statusExit(r state.Referral) int {
	switch r.Status {
	case state.Failed:
		return ExitFailed
	case state.NotSent:
		return ExitUnreachable
	case state.Unknown:
		return ExitFailed
	}
	return ExitOK
}

func submitExit(err error) int {
	var ve *api.ValidationError
	if errors.As(err, &ve) {
		return ExitUsage
	}
	return backendExit(err)
}

func printSubmitted(w io.Writer, r state.Referral) {
	switch r.Status {
	case state.Processing, state.Completed:
		fmt.Fprintf(w, "#%d %s referral_id=%s job_id=%s\n", r.ID, r.Status.Label(), r.ReferralID, r.JobID)
	case state.Failed:
		fmt.Fprintf(w, "#%d Failed: %s\n", r.ID, r.FailureReason)
	case state.NotSent:
		fmt.Fprintf(w, "#%d Not sent (Cobalt could not be reached; safe to send again): %s\n", r.ID, r.FailureReason)
	default:
		fmt.Fprintf(w, "#%d %s: the request left but no answer came; it will be reconciled, do not resend\n", r.ID, r.Status.Label())
	}
}

func printFinal(w io.Writer, r state.Referral) {
	switch r.Status {
	case state.Completed:
		fmt.Fprintf(w, "#%d Completed ehr_id=%s%s\n", r.ID, r.EHRID, docsNote(r))
	case state.Failed:
		fmt.Fprintf(w, "#%d Failed: %s\n", r.ID, r.FailureReason)
	default:
		note := r.Attention
		if note == "" {
			note = "still waiting"
		}
		fmt.Fprintf(w, "#%d %s: %s\n", r.ID, r.Status.Label(), note)
	}
}

func docsNote(r state.Referral) string {
	if r.DocumentsAttached == nil && r.DocumentsFailed == nil {
		return ""
	}
	var parts []string
	if r.DocumentsAttached != nil {
		parts = append(parts, fmt.Sprintf("documents attached=%d", *r.DocumentsAttached))
	}
	if r.DocumentsFailed != nil {
		parts = append(parts, fmt.Sprintf("failed=%d", *r.DocumentsFailed))
	}
	return " " + strings.Join(parts, " ")
}

// waitFinal waits until every referral is Completed or Failed (or flagged
// for a person), drawing a progress line on a terminal.
func waitFinal(ctx context.Context, d *state.Desk, refs []state.Referral, timeout time.Duration, w io.Writer) ([]state.Referral, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	changes := d.Subscribe(ctx)
	tty := isTerminal(w)
	start := time.Now()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		pending := 0
		for i := range refs {
			if r, _, err := d.Get(ctx, refs[i].ID); err == nil {
				refs[i] = r
			}
			if !refs[i].Status.Terminal() && refs[i].Attention == "" && refs[i].Status != state.NotSent {
				pending++
			}
		}
		if tty {
			fmt.Fprintf(w, "\rwaiting for Cobalt: %d of %d done (%s)\x1b[K", len(refs)-pending, len(refs), time.Since(start).Round(time.Second))
		}
		if pending == 0 {
			if tty {
				fmt.Fprintln(w)
			}
			return refs, nil
		}
		select {
		case <-changes:
		case <-tick.C:
		case <-ctx.Done():
			if tty {
				fmt.Fprintln(w)
			}
			return refs, fmt.Errorf("%d referral(s) had no final answer after %s; they are kept and will be reconciled (refdesk referrals shows them)", pending, timeout)
		}
	}
}
