//go:build !unix

package icd10

import "time"

// cpuNow is not measured here: the benchmark's CPU figures read 0.
func cpuNow() time.Duration { return 0 }
