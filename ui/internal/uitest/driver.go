// Package uitest drives Bubble Tea models in tests without a terminal:
// messages go into Update, the commands it returns run in goroutines and
// their messages come back into Update, as a tea.Program would do. Nothing
// is faked: ticks tick, state's channels deliver, HTTP goes out.
package uitest

import (
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// Driver runs one model's message loop by hand.
type Driver struct {
	t       testing.TB
	update  func(tea.Msg) tea.Cmd
	results chan result
	next    int
	running map[int]time.Time // commands in flight, by when they started
	Quit    bool              // tea.Quit was returned
	// Young is how long a command may run before Settle stops waiting
	// for it (the package's Young unless a test that only needs the
	// screen's own answers sets it shorter).
	Young time.Duration
}

type result struct {
	id  int
	msg tea.Msg
}

// Young is how long a command may run before Settle stops waiting for it:
// longer ones are timers and channel waits, answered by WaitFor.
const Young = 300 * time.Millisecond

// SettleMax bounds Settle.
const SettleMax = 1500 * time.Millisecond

// New drives update (a closure that calls the model's Update and keeps
// the new model).
func New(t testing.TB, update func(tea.Msg) tea.Cmd) *Driver {
	return &Driver{t: t, update: update, results: make(chan result, 1024), running: map[int]time.Time{},
		Young: Young}
}

var cmdType = reflect.TypeOf((*tea.Cmd)(nil)).Elem()

// Run starts cmd; its message arrives through Settle or WaitFor.
func (d *Driver) Run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	d.next++
	id := d.next
	d.running[id] = time.Now()
	go func() { d.results <- result{id, cmd()} }()
}

func (d *Driver) receive(r result) {
	delete(d.running, r.id)
	d.handle(r.msg)
}

// busy reports whether a command started less than Young ago still runs.
func (d *Driver) busy() bool {
	for _, at := range d.running {
		if time.Since(at) < d.Young {
			return true
		}
	}
	return false
}

// handle gives one message to the model, unpacking batches and sequences.
func (d *Driver) handle(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
		return
	case tea.BatchMsg:
		for _, c := range msg {
			d.Run(c)
		}
		return
	case tea.QuitMsg:
		d.Quit = true
		return
	}
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == cmdType {
		// tea.Sequence: run in order, each to completion.
		for i := 0; i < v.Len(); i++ {
			if c, _ := v.Index(i).Interface().(tea.Cmd); c != nil {
				d.handle(c())
			}
		}
		return
	}
	d.Run(d.update(msg))
}

// Send gives msg to the model and settles.
func (d *Driver) Send(msg tea.Msg) {
	d.handle(msg)
	d.Settle()
}

// Settle processes messages until every command started less than Young
// ago has answered (and what they started, in turn), or for at most
// SettleMax (an animation re-arms its tick for ever).
func (d *Driver) Settle() {
	stop := time.Now().Add(SettleMax)
	for time.Now().Before(stop) {
		select {
		case r := <-d.results:
			d.receive(r)
		case <-time.After(5 * time.Millisecond):
			if !d.busy() {
				return
			}
		}
	}
}

// WaitFor processes messages until cond holds; it fails the test after
// timeout.
func (d *Driver) WaitFor(what string, timeout time.Duration, cond func() bool) {
	d.t.Helper()
	deadline := time.After(timeout)
	for !cond() {
		select {
		case r := <-d.results:
			d.receive(r)
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			d.t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

// Type sends each rune of s as a key press.
func (d *Driver) Type(s string) {
	for _, r := range s {
		d.handle(Key(r))
	}
	d.Settle()
}

// Press sends named keys ("enter", "tab", "shift+tab", "ctrl+s", "esc",
// "down", "up", "left", "right", "space", "backspace", "f1") or single runes.
func (d *Driver) Press(keys ...string) {
	for _, k := range keys {
		d.handle(Named(k))
		d.Settle()
	}
}

// Key is the press of a printable rune.
func Key(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Text: string(r)} }

// Named builds a key press from its name as msg.String() writes it.
func Named(name string) tea.KeyPressMsg {
	var mod tea.KeyMod
	base := name
	for {
		switch {
		case strings.HasPrefix(base, "ctrl+"):
			mod |= tea.ModCtrl
			base = strings.TrimPrefix(base, "ctrl+")
			continue
		case strings.HasPrefix(base, "shift+"):
			mod |= tea.ModShift
			base = strings.TrimPrefix(base, "shift+")
			continue
		case strings.HasPrefix(base, "alt+"):
			mod |= tea.ModAlt
			base = strings.TrimPrefix(base, "alt+")
			continue
		}
		break
	}
	codes := map[string]rune{"enter": tea.KeyEnter, "tab": tea.KeyTab, "esc": tea.KeyEscape,
		"down": tea.KeyDown, "up": tea.KeyUp, "left": tea.KeyLeft, "right": tea.KeyRight,
		"space": tea.KeySpace, "backspace": tea.KeyBackspace, "delete": tea.KeyDelete,
		"f1": tea.KeyF1, "f2": tea.KeyF2, "home": tea.KeyHome, "end": tea.KeyEnd,
		"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown}
	if c, ok := codes[base]; ok {
		k := tea.KeyPressMsg{Code: c, Mod: mod}
		if c == tea.KeySpace && mod == 0 {
			k.Text = " "
		}
		return k
	}
	r := []rune(base)[0]
	if mod == 0 {
		return Key(r)
	}
	return tea.KeyPressMsg{Code: r, Mod: mod}
}

// Plain strips ANSI styling from a view.
func Plain(s string) string { return ansi.Strip(s) }
