package testkit

import (
	"runtime/metrics"
	"time"
)

// SampleHeap samples the live heap (object bytes) every millisecond until
// the returned stop is called, which returns the highest value seen.
func SampleHeap() (stop func() uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	done := make(chan uint64)
	quit := make(chan struct{})
	go func() {
		var peak uint64
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-quit:
				done <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(quit); return <-done }
}
