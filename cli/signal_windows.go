//go:build windows

package cli

import "os"

// notifyHUP does nothing on Windows, which has no SIGHUP; the keys file is
// still re-read when it changes.
func notifyHUP(c chan<- os.Signal) {}
