package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"charm.land/huh/v2"
	"github.com/charmbracelet/x/term"
)

// runAccessibleSetup asks the same steps line by line (huh's accessible
// mode, for screen readers): each prompt is a line, each check's answer
// is a line, and a refused step is asked again.
func runAccessibleSetup(ctx context.Context, st *setupState, cio IO) error {
	out := cio.Stdout
	// Ctrl-C ends setup; a secret prompt has turned echo off, so the
	// terminal is restored first.
	if f, ok := cio.Stdin.(*os.File); ok {
		if state, err := term.GetState(f.Fd()); err == nil {
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
			defer signal.Stop(sig)
			go func() {
				if _, ok := <-sig; ok {
					_ = term.Restore(f.Fd(), state)
					fmt.Fprintln(cio.Stderr, "\nrefdesk setup: stopped: nothing was written")
					os.Exit(130)
				}
			}()
		}
	}
	fmt.Fprintln(out, "refdesk setup, accessible mode: one question a line. Enter keeps the value shown in brackets.")
	id := stepCredentials
	for id != stepDone {
		def := id.def()
		fmt.Fprintf(out, "Step %d of 5: %s\n", def.num, def.title)
		f := def.form(st).WithAccessible(true).WithInput(cio.Stdin).WithOutput(out)
		typed := [...]*string{&st.ClientID, &st.ClientSecret, &st.AccessToken}
		kept := [len(typed)]string{}
		for i, p := range typed {
			kept[i] = *p
		}
		if err := f.RunWithContext(ctx); err != nil {
			if errors.Is(err, huh.ErrUserAborted) {
				return errors.New("setup stopped: nothing was written")
			}
			return err
		}
		for i, p := range typed {
			if *p == "" { // Enter at a secret prompt keeps what was typed before
				*p = kept[i]
			}
		}
		if def.check != nil {
			fmt.Fprintln(out, "Checking…")
			ok, err := def.check(ctx, st)
			if errors.Is(err, errQuit) {
				return err
			}
			if err != nil {
				fmt.Fprintln(out, "Not done: "+err.Error())
				fmt.Fprintln(out, "This step again; Enter keeps what you typed.")
				fmt.Fprintln(out)
				continue
			}
			fmt.Fprintln(out, "Done: "+ok)
			fmt.Fprintln(out)
		}
		id = def.next(st)
	}
	return nil
}
