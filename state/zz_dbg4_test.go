package state

import "testing"

func BenchmarkDbgPass(b *testing.B) {
	ix := NewIndex(genRows(200000, 42))
	for _, q := range []string{"al", "sp", "12", "che", "spri"} {
		b.Run(q, func(b *testing.B) {
			for range b.N {
				s := ix.NewSearcher()
				for i := 1; i <= len(q); i++ {
					s.Search(q[:i], 100)
				}
			}
		})
	}
}
