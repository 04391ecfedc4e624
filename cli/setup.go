package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	tea "charm.land/bubbletea/v2"
)

// runSetup is 'refdesk setup': a guided pass from nothing to a working
// clinic, each step checked with Cobalt before the next.
func runSetup(cio IO, args []string) int {
	cfg := loadConfig(cio.Env)
	fs := newFlags(cio, "setup", "setup [flags]")
	cfg.bindFlags(fs)
	accessible := fs.Bool("accessible", lookup(cio.Env, "ACCESSIBLE") != "",
		"ask line by line, for screen readers (env ACCESSIBLE)")
	systemd := fs.String("systemd", "", "write the service unit to this file (e.g. /etc/systemd/system/refdesk.service) instead of printing it")
	if code, done := parse(fs, args); done {
		return code
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(cio.Stderr, "refdesk setup: "+format+"\n", a...)
		return code
	}
	if !inputIsTerminal(cio.Stdin) {
		return fail(ExitUsage, "%s", noTerminal)
	}
	baseURLFlag := false
	fs.Visit(func(f *flag.Flag) { baseURLFlag = baseURLFlag || f.Name == "base-url" })
	st, err := newSetupState(cfg, cio.Env, baseURLFlag)
	if err != nil {
		return fail(ExitUsage, "%v", err)
	}
	st.systemdPath, st.accessible = *systemd, *accessible
	ctx := context.Background()

	if *accessible {
		err = runAccessibleSetup(ctx, st, cio)
	} else {
		w := newWizard(ctx, st)
		p := tea.NewProgram(w, tea.WithInput(cio.Stdin), tea.WithOutput(cio.Stdout), tea.WithContext(ctx), tea.WithEnvironment(cio.Env))
		if _, perr := p.Run(); perr != nil && !errors.Is(perr, tea.ErrInterrupted) {
			err = perr
		} else {
			err = w.quit
		}
		if err == nil && !w.Finished() {
			err = errors.New("setup stopped: nothing was written")
		}
		if err == nil {
			for _, d := range w.done {
				fmt.Fprintln(cio.Stdout, "✓ "+d)
			}
		}
	}
	if err != nil {
		return fail(ExitFailed, "%v", err)
	}
	finish(cio.Stdout, st)
	return ExitOK
}

const noTerminal = `needs a terminal to ask its questions (use 'ssh -t' on a remote machine).
Without one, set refdesk up by hand (README, "Setting up a clinic by hand"):
  credentials: COBALT_CLIENT_ID, COBALT_CLIENT_SECRET, COBALT_ACCESS_TOKEN and
    COBALT_WEBHOOK_SECRET in the environment, or DATA-DIR/credentials (mode 0600) with
    client_id = "...", client_secret = "...", access_token = "...", webhook_secret = "..."
  the rest: serve's flags --base-url --data-dir --documents-dir --authorized-keys
    --ssh-addr --webhook-addr, or DATA-DIR/refdesk.toml with the same names
    (base_url = "...", documents_dir = "...", ...)
  desks: refdesk desks add NAME KEY.pub`

// finish prints what was written and the service unit.
func finish(w io.Writer, st *setupState) {
	fmt.Fprintln(w, "\nrefdesk is set up. Start it with:  refdesk serve --data-dir "+unitQuote(st.DataDir))
	if st.systemdPath != "" {
		fmt.Fprintf(w, "The service unit is in %s: run 'systemctl daemon-reload && systemctl enable --now %s'.\n",
			st.systemdPath, filepath.Base(st.systemdPath))
	} else {
		fmt.Fprintln(w, "A systemd unit for it (or run setup with --systemd /etc/systemd/system/refdesk.service):")
		fmt.Fprintln(w, "\n"+st.unit)
	}
	fmt.Fprintln(w, "'refdesk doctor' checks it all again at any time, without changing anything.")
}

// inputIsTerminal reports whether r is a terminal (a character device).
func inputIsTerminal(r io.Reader) bool {
	w, ok := r.(io.Writer) // an *os.File is both
	return ok && isTerminal(w)
}
