package cli

import (
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// driver drives the wizard the way a Bubble Tea program would, but from
// the test: keys go to Update, and every command is run and its message
// fed back (batches and sequences opened up), until nothing more comes
// and no check is running. Every view is kept, to look for secrets in.
type driver struct {
	t     *testing.T
	w     *wizard
	msgs  chan tea.Msg
	views []string
	quit  bool
}

func newDriver(t *testing.T, w *wizard) *driver {
	d := &driver{t: t, w: w, msgs: make(chan tea.Msg, 4096)}
	d.run(w.Init())
	d.feed(tea.WindowSizeMsg{Width: 200, Height: 60})
	d.settle()
	return d
}

// run runs cmd in the background, as the program would.
func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() { d.msgs <- cmd() }()
}

func (d *driver) feed(msg tea.Msg) {
	if msg == nil {
		return
	}
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeFor[tea.Cmd]() {
		for i := 0; i < v.Len(); i++ {
			d.run(v.Index(i).Interface().(tea.Cmd))
		}
		return
	}
	if _, ok := msg.(tea.QuitMsg); ok {
		d.quit = true
		return
	}
	_, cmd := d.w.Update(msg)
	d.views = append(d.views, d.w.View().Content)
	d.run(cmd)
}

// settle feeds messages until 150 ms pass with none and no check runs.
func (d *driver) settle() {
	d.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case msg := <-d.msgs:
			d.feed(msg)
		case <-time.After(150 * time.Millisecond):
			// A process paused by a loaded machine wakes with both the
			// timer and a message ready, and select picks either: the
			// message goes first.
			select {
			case msg := <-d.msgs:
				d.feed(msg)
				continue
			default:
			}
			if !d.w.busy {
				return
			}
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("the wizard did not settle in 30 s; screen:\n%s", d.screen())
		}
	}
}

// drain feeds what has already arrived, without waiting.
func (d *driver) drain() {
	for {
		select {
		case msg := <-d.msgs:
			d.feed(msg)
		default:
			return
		}
	}
}

func (d *driver) typ(s string) {
	for _, r := range s {
		d.feed(tea.KeyPressMsg{Code: r, Text: string(r)})
		d.drain()
	}
}

func (d *driver) key(code rune) {
	d.feed(tea.KeyPressMsg{Code: code})
	d.settle()
}

func (d *driver) enter() { d.key(tea.KeyEnter) }

// clear empties the focused input (Ctrl-U).
func (d *driver) clear() {
	d.feed(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	d.drain()
}

func (d *driver) paste(s string) {
	d.feed(tea.PasteMsg{Content: s})
	d.drain()
}

func (d *driver) screen() string { return ansi.Strip(d.w.View().Content) }

// want fails unless the screen shows every one of subs.
func (d *driver) want(subs ...string) {
	d.t.Helper()
	s := d.screen()
	flat := strings.Join(strings.Fields(s), " ")
	for _, sub := range subs {
		if !strings.Contains(flat, sub) {
			d.t.Fatalf("the screen lacks %q:\n%s", sub, s)
		}
	}
}

func (d *driver) atStep(id stepID) {
	d.t.Helper()
	if d.w.step != id {
		d.t.Fatalf("at step %d (%s), want %d (%s); screen:\n%s", d.w.step, d.w.step.def().title, id, id.def().title, d.screen())
	}
}
