//go:build unix

package icd10

import (
	"syscall"
	"time"
)

// cpuNow is the CPU time this process has used (all threads), so the
// benchmark can report cost apart from the wall-clock noise of a shared
// machine.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
