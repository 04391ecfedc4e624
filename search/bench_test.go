package search

import (
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"refdesk/internal/testkit"
)

// typingSessions are typed one character at a time, then backspaced to empty.
var typingSessions = []string{"alvarez card", "chen pediatric", "springfield ortho", "1234567"}

// keystrokes expands the sessions into the queries a picker sees.
func keystrokes() []string {
	var qs []string
	for _, s := range typingSessions {
		r := []rune(s)
		for i := 1; i <= len(r); i++ {
			qs = append(qs, string(r[:i]))
		}
		for i := len(r) - 1; i >= 0; i-- {
			qs = append(qs, string(r[:i]))
		}
	}
	return qs
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func percentile(ds []time.Duration, p float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := min(len(s)-1, int(p*float64(len(s))))
	return float64(s[i]) / float64(time.Millisecond)
}

// benchTyping replays the typing sessions, one Searcher per session (as the
// picker does), or through the stateless Index.Search when stateless.
func benchTyping(b *testing.B, n int, stateless bool) {
	before := heapInUse()
	rows := genRows(n, 42)
	withRows := heapInUse()
	ix := New(rows)
	withIndex := heapInUse()
	ix.Touch(rows[n/2].Key)
	qs := keystrokes()
	var lat, cpu []time.Duration
	b.ResetTimer()
	for range b.N {
		var s *Searcher[Entry]
		for _, q := range qs {
			if q == "" || utf8.RuneCountInString(q) == 1 && s == nil {
				s = ix.NewSearcher() // a new session starts at each first key
			}
			c0, t0 := testkit.CPUTime(), time.Now()
			var r Result[Entry]
			if stateless {
				r = ix.Search(q, 100)
			} else {
				r = s.Search(q, 100)
			}
			lat = append(lat, time.Since(t0))
			cpu = append(cpu, testkit.CPUTime()-c0)
			if r.Size != n {
				b.Fatalf("size %d", r.Size)
			}
			if q == "" {
				s = nil
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(percentile(lat, 0.99), "p99-ms")
	b.ReportMetric(percentile(lat, 0.50), "p50-ms")
	// CPU time of the whole process (both workers, and the GC) per key:
	// less sensitive than wall time to other processes on the machine.
	b.ReportMetric(percentile(cpu, 0.99), "p99-cpu-ms")
	b.ReportMetric(float64(withIndex-withRows)/(1<<20), "MB-index")
	b.ReportMetric(float64(withRows-before)/(1<<20), "MB-rows")
	b.ReportMetric(float64(withIndex-withRows)/float64(n), "B/entry-index")
	b.ReportMetric(0, "ns/op")
	runtime.KeepAlive(ix)
	runtime.KeepAlive(rows)
}

// BenchmarkSearchTyping measures per-keystroke latency of a picker session.
func BenchmarkSearchTyping(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) { benchTyping(b, n, false) })
	}
}

// BenchmarkSearchTypingStateless is the same replay through Index.Search,
// without narrowing, for comparison.
func BenchmarkSearchTypingStateless(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) { benchTyping(b, n, true) })
	}
}
