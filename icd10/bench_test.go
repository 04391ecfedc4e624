package icd10

import (
	"runtime"
	"slices"
	"testing"
	"time"

	"refdesk/internal/testkit"
)

// typing is what a clerk types in the codes field, one key at a time, then
// backspaces to empty (the method of state's BenchmarkSearchTyping).
var typing = []string{"essential hypertension", "type 2 diabetes without", "chest pain",
	"atrial fib", "low back pain", "e11.9", "z87.39", "I10"}

func keystrokes() []string {
	var qs []string
	for _, s := range typing {
		for i := 1; i <= len(s); i++ {
			qs = append(qs, s[:i])
		}
		for i := len(s) - 1; i > 0; i-- {
			qs = append(qs, s[:i])
		}
	}
	return qs
}

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func percentile(ds []time.Duration, p float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return ms(s[min(len(s)-1, int(p*float64(len(s))))])
}

// BenchmarkSearchTyping replays the typing sessions over the embedded set
// (98,403 codes) and reports per-keystroke latency (limit 50, as the
// form asks).
func BenchmarkSearchTyping(b *testing.B) {
	s := Embedded()
	if err := s.Load(); err != nil {
		b.Fatal(err)
	}
	qs := keystrokes()
	var lat, cpu []time.Duration
	b.ResetTimer()
	for range b.N {
		for _, q := range qs {
			c0, t0 := testkit.CPUTime(), time.Now()
			r := s.Search(q, 50)
			lat = append(lat, time.Since(t0))
			cpu = append(cpu, testkit.CPUTime()-c0)
			if r.Total == 0 {
				b.Fatalf("%q found nothing", q)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(percentile(lat, 0.99), "p99-ms")
	b.ReportMetric(percentile(lat, 0.50), "p50-ms")
	b.ReportMetric(percentile(lat, 1), "max-ms")
	// CPU time of the process per key: less sensitive than wall time to
	// other processes on a shared machine.
	b.ReportMetric(percentile(cpu, 0.99), "p99-cpu-ms")
	b.ReportMetric(float64(len(qs)), "keys")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkLoad parses the embedded set as on first use, then builds its
// word index as the first search does, and reports the time of each and
// the heap the loaded set keeps.
func BenchmarkLoad(b *testing.B) {
	var took, cpu, search []time.Duration
	var heap uint64
	for range b.N {
		before := heapAlloc()
		s := newLazy(EmbeddedYear, "embedded", func() (string, error) { return gunzip(embeddedFY2027) })
		c0, t0 := testkit.CPUTime(), time.Now()
		if err := s.Load(); err != nil {
			b.Fatal(err)
		}
		parsed := time.Since(t0)
		s.Search("essential hypertension", 50)
		took = append(took, time.Since(t0))
		cpu = append(cpu, testkit.CPUTime()-c0)
		search = append(search, parsed)
		heap = heapAlloc() - before
		runtime.KeepAlive(s)
	}
	b.ReportMetric(percentile(took, 0.5), "first-use-ms")
	b.ReportMetric(percentile(took, 1), "max-first-use-ms")
	b.ReportMetric(percentile(cpu, 0.5), "first-use-cpu-ms")
	b.ReportMetric(percentile(search, 0.5), "parse-only-ms")
	b.ReportMetric(float64(heap)/(1<<20), "MB-heap")
	b.ReportMetric(0, "ns/op")
}

// TestLoadHeap keeps the loaded set under 20 MB of heap (a benchmark
// reports the time; the heap is not timing-dependent, so a test holds it).
func TestLoadHeap(t *testing.T) {
	before := heapAlloc()
	s := newLazy(EmbeddedYear, "embedded", func() (string, error) { return gunzip(embeddedFY2027) })
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	s.Search("essential hypertension", 50) // builds the word index
	heap := heapAlloc() - before
	runtime.KeepAlive(s)
	if heap > 20<<20 {
		t.Fatalf("the loaded set keeps %.1f MB of heap; the target is 20 MB", float64(heap)/(1<<20))
	}
	t.Logf("heap kept by the loaded set: %.1f MB", float64(heap)/(1<<20))
}
