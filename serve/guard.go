package serve

import (
	"reflect"

	tea "charm.land/bubbletea/v2"
)

// guard wraps a session's model so a panic in Init, Update, View or in a
// command the model returns ends that session only: it is logged (see
// Server.logPanic), the client is told, and the program quits. Bubble Tea
// also recovers panics itself (which prints to the process's stderr); the
// guard catches them first so they reach the structured log instead.
// Commands nested in tea.Batch and tea.Sequence are guarded too.
type guard struct {
	inner  tea.Model
	desk   *desk
	srv    *Server
	attrs  []any
	failed bool // set on the event loop's goroutine only
}

// panicMsg reports a panic caught in a command's goroutine to the event loop.
type panicMsg struct{}

const failedView = "refdesk hit an internal error; this desk is closing. Other desks are not affected.\n"

func (g *guard) caught(where string, r any) {
	g.srv.logPanic(where, r, g.attrs)
	g.desk.markPanicked()
}

// Init implements tea.Model.
func (g *guard) Init() (cmd tea.Cmd) {
	defer func() {
		if r := recover(); r != nil {
			g.caught("model Init", r)
			g.failed, cmd = true, tea.Quit
		}
	}()
	return g.wrap(g.inner.Init())
}

// Update implements tea.Model.
func (g *guard) Update(msg tea.Msg) (model tea.Model, cmd tea.Cmd) {
	if _, ok := msg.(panicMsg); ok {
		g.failed = true
	}
	if g.failed {
		return g, tea.Quit
	}
	if ws, ok := msg.(tea.WindowSizeMsg); ok {
		ws.Width, ws.Height = windowSize(ws.Width, ws.Height)
		msg = ws
		if g.desk.screen != nil {
			g.desk.screen.resize(ws.Width, ws.Height)
		}
	}
	defer func() {
		if r := recover(); r != nil {
			g.caught("model Update", r)
			g.failed, model, cmd = true, g, tea.Quit
		}
	}()
	m, c := g.inner.Update(msg)
	if m != nil {
		g.inner = m
	}
	if _, ok := msg.(ShutdownMsg); ok {
		// Run the model's save command, let its message reach Update, then quit.
		return g, tea.Sequence(g.wrap(c), tea.Quit)
	}
	return g, g.wrap(c)
}

// Used when a client reports a zero dimension, which RFC 4254 says to ignore
// (OpenSSH's ssh -tt without a local terminal does that).
const defaultWidth, defaultHeight = 80, 24

// The largest terminal a session is drawn for. The renderer keeps a cell
// buffer of width x height; a client claiming 10000x10000 would make it
// allocate and diff 100 million cells (gigabytes) and stall the server. A
// larger window simply shows the desk in its top-left 512x256 corner.
const maxWidth, maxHeight = 512, 256

// windowSize replaces zero dimensions with the default and bounds large
// ones; it applies to the initial PTY size and to every resize.
func windowSize(w, h int) (int, int) {
	if w <= 0 {
		w = defaultWidth
	}
	if h <= 0 {
		h = defaultHeight
	}
	return min(w, maxWidth), min(h, maxHeight)
}

// boundResize is a program filter: the renderer resizes on a
// WindowSizeMsg before the model sees it, so the bound must apply here.
func boundResize(_ tea.Model, msg tea.Msg) tea.Msg {
	if ws, ok := msg.(tea.WindowSizeMsg); ok {
		ws.Width, ws.Height = windowSize(ws.Width, ws.Height)
		return ws
	}
	return msg
}

// View implements tea.Model. Bubble Tea calls it after every Update; the
// view also goes to the session's line renderer, which draws it.
func (g *guard) View() (v tea.View) {
	defer func() {
		if g.desk.screen != nil {
			g.desk.screen.set(v)
		}
	}()
	if g.failed {
		return tea.NewView(failedView)
	}
	defer func() {
		if r := recover(); r != nil {
			g.caught("model View", r)
			g.failed = true
			v = tea.NewView(failedView)
			// View cannot return a command: quit from outside the event loop.
			g.desk.mu.Lock()
			p := g.desk.program
			g.desk.mu.Unlock()
			if p != nil {
				go p.Quit()
			}
		}
	}()
	return g.inner.View()
}

// wrap returns c guarded against panics. When c yields a batch or a
// sequence, the commands inside are wrapped as well, keeping the message's
// own (possibly unexported) type so Bubble Tea still recognises it.
func (g *guard) wrap(c tea.Cmd) tea.Cmd {
	if c == nil {
		return nil
	}
	return func() (msg tea.Msg) {
		defer func() {
			if r := recover(); r != nil {
				g.caught("command", r)
				msg = panicMsg{}
			}
		}()
		msg = c()
		v := reflect.ValueOf(msg)
		if !v.IsValid() || v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeFor[tea.Cmd]() {
			return msg
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			inner, _ := v.Index(i).Interface().(tea.Cmd)
			out.Index(i).Set(reflect.ValueOf(g.wrap(inner)))
		}
		return out.Interface()
	}
}
