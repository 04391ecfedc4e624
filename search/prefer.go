package search

// A Searcher's preferred keys: what one user chose last (the caller knows
// who; the index does not), listed before the index's own recency order on
// an empty query.

// Prefer makes an empty query list the entries whose keys keys returns
// first, in that order, before the index's recent and frequent choices
// (Touch) and then the rest. keys is called once per empty-query search
// (never for a typed query), so the list can change between searches; keys
// the index does not hold, repeated ones, and inactive entries (which
// rank last everywhere) are skipped. A typed query is ranked as before.
// nil turns it off.
func (s *Searcher[T]) Prefer(keys func() []string) {
	s.mu.Lock()
	s.prefer = keys
	s.mu.Unlock()
}

// preferred resolves keys to the ids of active rows of sn, in order,
// without repeats, at most limit.
func (sn *snapshot[T]) preferred(keys []string, limit int) []uint32 {
	var ids []uint32
	for _, k := range keys {
		if len(ids) >= limit {
			break
		}
		id, ok := sn.lookup(k)
		if !ok || sn.isInactive(id) {
			continue
		}
		dup := false
		for _, x := range ids {
			dup = dup || x == id
		}
		if !dup {
			ids = append(ids, id)
		}
	}
	return ids
}
