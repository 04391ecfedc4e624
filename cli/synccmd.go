package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"refdesk/state"
)

// isTerminal reports whether w is a character device (a terminal), where
// progress is drawn in place; elsewhere it is written as plain lines.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressPrinter draws sync progress: a bar redrawn in place on a
// terminal, one line per directory otherwise.
func progressPrinter(w io.Writer) func(state.SyncProgress) {
	tty := isTerminal(w)
	last := state.Directory("")
	return func(p state.SyncProgress) {
		name := strings.ReplaceAll(string(p.Directory), "_", " ")
		if !tty {
			if p.Directory != last && p.Total > 0 && p.Done >= p.Total {
				fmt.Fprintf(w, "synced %s: %d\n", name, p.Done)
				last = p.Directory
			}
			return
		}
		const width = 30
		filled := width
		if p.Total > 0 {
			filled = p.Done * width / p.Total
		}
		fmt.Fprintf(w, "\r[%s%s] %-20s %d/%d\x1b[K", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), name, p.Done, p.Total)
		if p.Total > 0 && p.Done >= p.Total {
			fmt.Fprintln(w)
		}
	}
}

// runSync refreshes the three directories.
func runSync(cio IO, args []string) int {
	cfg := loadConfig(cio.Env)
	fs := newFlags(cio, "sync", "sync [flags]")
	cfg.bindFlags(fs)
	cfg.bindDatabase(fs)
	sf := bindSandboxFlags(fs)
	if code, done := parse(fs, args); done {
		return code
	}
	if code, done := noArgs(cio, fs); done {
		return code
	}
	if err := cfg.loadFiles(fs, cio.Env); err != nil {
		fmt.Fprintf(cio.Stderr, "refdesk sync: %v\n", err)
		return ExitUsage
	}
	so, err := sf.options()
	if err != nil {
		fmt.Fprintf(cio.Stderr, "refdesk sync: %v\n", err)
		return ExitUsage
	}
	if cfg.Sandbox() {
		fmt.Fprintln(cio.Stderr, "refdesk sync: no Cobalt credentials set: syncing the embedded sandbox (synthetic data)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	b, err := openBackend(ctx, cfg, backendOptions{Sandbox: so, NoReceiver: true})
	if err != nil {
		fmt.Fprintf(cio.Stderr, "refdesk sync: %v\n", err)
		return backendExit(err)
	}
	defer b.Close()
	rep, err := b.desk.Sync(ctx, progressPrinter(cio.Stderr))
	if err != nil {
		fmt.Fprintf(cio.Stderr, "refdesk sync: the sync failed and the previous directories were kept: %v\n", err)
		return backendExit(err)
	}
	for _, d := range []state.Directory{state.Providers, state.ReferringProviders, state.Patients} {
		fmt.Fprintf(cio.Stdout, "%-20s %8d rows, %d changed\n", strings.ReplaceAll(string(d), "_", " "), rep.Counts[d], rep.Changed[d])
	}
	fmt.Fprintf(cio.Stdout, "took %s\n", rep.Took.Round(1e6))
	return ExitOK
}
