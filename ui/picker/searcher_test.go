package picker

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"refdesk/api"
	"refdesk/state"
	"refdesk/ui/internal/uitest"
)

// counted is a real index that counts the Searchers made over it.
type counted struct {
	*state.Index
	searchers atomic.Int32
}

func (c *counted) NewSearcher() *state.Searcher { c.searchers.Add(1); return c.Index.NewSearcher() }

// answers runs cmd (and the commands of a batch, each in its goroutine)
// and returns the search answers among their messages, waiting at most
// wait for each (the text input's cursor blink is a slow timer, ignored).
func answers(cmd tea.Cmd, wait time.Duration) []resultMsg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	cmds, ok := msg.(tea.BatchMsg)
	if !ok {
		return collect([]tea.Msg{msg})
	}
	msgs := make(chan tea.Msg, len(cmds))
	for _, c := range cmds {
		if c != nil {
			go func() { msgs <- c() }()
		}
	}
	var got []tea.Msg
	timeout := time.After(wait)
	for range cmds {
		select {
		case m := <-msgs:
			got = append(got, m)
		case <-timeout:
			return collect(got)
		}
	}
	return collect(got)
}

func collect(msgs []tea.Msg) []resultMsg {
	var out []resultMsg
	for _, m := range msgs {
		if r, ok := m.(resultMsg); ok {
			out = append(out, r)
		}
	}
	return out
}

// A key's search runs in the command, not in Update, on the picker's own
// Searcher; the next key cancels it, so it answers nothing.
func TestKeyCancelsThePreviousSearch(t *testing.T) {
	src := &counted{Index: referring(3000)}
	h := newHarness(t, Config{ID: 2}, src)
	if n := src.searchers.Load(); n == 0 {
		t.Fatal("the picker made no Searcher")
	}
	var first, second tea.Cmd
	h.m, first = h.m.Update(uitest.Key('a'))
	if res, _ := h.m.Result(); res.Query == "a" {
		t.Fatal("Update searched itself")
	}
	h.m, second = h.m.Update(uitest.Key('l'))
	if got := answers(first, 200*time.Millisecond); len(got) != 0 {
		t.Fatalf("the first key's search was not cancelled: answered %q", got[0].res.Query)
	}
	got := answers(second, 2*time.Second)
	if len(got) != 1 || got[0].res.Query != "al" || got[0].res.Total == 0 {
		t.Fatalf("second key: %+v", got)
	}
	h.m, _ = h.m.Update(got[0])
	if res, ok := h.m.Result(); !ok || res.Matches[0].Entry.Key != "5521" {
		t.Fatalf("al: %+v %v", res.Matches, ok)
	}
	h.d.Type("v")
	if res, ok := h.m.Result(); !ok || res.Query != "alv" || res.Matches[0].Entry.Key != "5521" {
		t.Fatalf("alv: %+v %v", res, ok)
	}
}

// After a sync replaces the index, the picker's Searcher starts over: a
// query narrowed before the sync finds what the sync added.
func TestPickerFollowsReplace(t *testing.T) {
	ix := referring(200)
	h := newHarness(t, Config{ID: 2}, ix)
	h.d.Type("quil") // "Zed0001, Quinn · Dermatology": narrowed to the old rows
	if res, _ := h.m.Result(); res.Total == 0 || res.Size != 200 {
		t.Fatalf("quil before the sync: %d of %d", res.Total, res.Size)
	}
	es := entries(ix)
	for i := 0; i < 5; i++ {
		es = append(es, state.ReferringProviderEntry(api.ReferringProvider{EHRID: fmt.Sprint(7000 + i),
			Name: fmt.Sprintf("Quill%d, Ann", i), Speciality: "Urology", NPI: fmt.Sprint(1900000000 + i)}))
	}
	ix.Replace(es)
	h.d.Type("l")
	res, ok := h.m.Result()
	if !ok || res.Total != 5 || res.Size != 205 || !strings.HasPrefix(res.Matches[0].Entry.Name, "Quill") {
		t.Fatalf("quill after the sync: %d of %d", res.Total, res.Size)
	}
	// Pointed at another directory, it searches that one.
	h.m.SetSource(patients(), "patients")
	h.m.SetQuery("doe")
	h.d.Run(h.m.Refresh())
	h.d.Settle()
	if res, ok := h.m.Result(); !ok || res.Total != 1 || res.Matches[0].Entry.Key != "414421" {
		t.Fatalf("after SetSource: %+v", res)
	}
}
