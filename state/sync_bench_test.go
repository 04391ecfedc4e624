package state

import (
	"context"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"refdesk/api/sandbox"
)

// BenchmarkSync measures a full sync of the sandbox's default clinic (150
// providers, 5,000 referring providers, 2,000 patients) over real HTTP into
// SQLite, indexes included.
func BenchmarkSync(b *testing.B) {
	e := newEnv(b, envOpts{noSync: true,
		sandbox: sandbox.Options{Providers: 150, ReferringProviders: 5000, Patients: 2000}})
	for b.Loop() {
		if _, err := e.d.Sync(context.Background(), nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSync100kPeakHeap syncs 100,000 referring providers (first sync,
// then an identical one) and reports the peak Go heap (live objects and
// garbage not yet collected, sampled every millisecond) of each.
func BenchmarkSync100kPeakHeap(b *testing.B) {
	e := newEnv(b, envOpts{noSync: true, sandbox: sandbox.Options{Providers: 150, ReferringProviders: 100_000, Patients: 2000,
		DelayMin: time.Nanosecond, DelayMax: time.Nanosecond}})
	for b.Loop() {
		e.d.Close()
		e.path = filepath.Join(b.TempDir(), "refdesk.db")
		e.open(b, Options{})
		runtime.GC()
		for _, name := range []string{"first", "again"} {
			peak := sampleHeap()
			start := time.Now()
			if _, err := e.d.Sync(context.Background(), nil); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(time.Since(start).Milliseconds()), name+"-ms")
			b.ReportMetric(float64(peak())/(1<<20), name+"-peak-heap-MB")
		}
	}
}

// sampleHeap samples the heap's object bytes until stop is called, which
// returns the peak.
func sampleHeap() (stop func() uint64) {
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
