package state

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"refdesk/api/sandbox"
	"refdesk/internal/testkit"
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
			peak := testkit.SampleHeap()
			start := time.Now()
			if _, err := e.d.Sync(context.Background(), nil); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(time.Since(start).Milliseconds()), name+"-ms")
			b.ReportMetric(float64(peak())/(1<<20), name+"-peak-heap-MB")
		}
	}
}
