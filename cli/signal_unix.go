//go:build !windows

package cli

import (
	"os"
	"os/signal"
	"syscall"
)

// notifyHUP delivers SIGHUP (reload the authorized keys) on c.
func notifyHUP(c chan<- os.Signal) { signal.Notify(c, syscall.SIGHUP) }
