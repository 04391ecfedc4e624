package pane

import "refdesk/state"

// rowCache keeps the drawn rows of referrals whose row cannot change by
// itself: done ones, whose elapsed time is fixed; and, for referrals in
// flight, the two lines under the spinner. A spinner frame then redraws
// only the first line of the rows in flight. It is emptied whenever the list, the
// width or the styles change. The map is shared by the copies of the value
// Model, which are used one after the other on the event loop only.
type rowCache struct{ m map[rowKey]string }

type rowKey struct {
	id   int64
	w    int
	cur  bool
	tail bool // the row's last two lines only
}

func newRowCache() rowCache { return rowCache{m: map[rowKey]string{}} }

func (c *rowCache) reset() {
	if c.m != nil {
		clear(c.m)
	}
}

// cachedRow is row(r, w, cur): whole from the cache when r's row is
// settled, otherwise its first line drawn and the rest from the cache.
func (m Model) cachedRow(r state.Referral, w int, cur bool) string {
	if m.rows.m == nil {
		return m.row(r, w, cur)
	}
	if r.Status.Terminal() || r.Status == state.NotSent {
		k := rowKey{r.ID, w, cur, false}
		if s, ok := m.rows.m[k]; ok {
			return s
		}
		s := m.row(r, w, cur)
		m.rows.m[k] = s
		return s
	}
	k := rowKey{r.ID, w, false, true}
	tail, ok := m.rows.m[k]
	if !ok {
		tail = m.rowTail(r, w)
		m.rows.m[k] = tail
	}
	return m.rowHead(r, w, cur) + tail
}
