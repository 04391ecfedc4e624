//go:build !unix

package testkit

import "time"

// CPUTime is not measured here: benchmarks' CPU figures read 0.
func CPUTime() time.Duration { return 0 }
