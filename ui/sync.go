package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"refdesk/state"
	"refdesk/ui/theme"
)

type syncedAtMsg struct {
	at     time.Time
	start  bool             // sync now if never synced
	status state.SyncStatus // the automatic sync's last failure, if any
	bg     bool             // another part of the process is syncing now
}

type syncProgressMsg struct{ p state.SyncProgress }

type syncDoneMsg struct {
	rep state.SyncReport
	err error
}

// loadSyncedAt reads when the directories were last synced (the oldest of
// the three); with start, a desk that never synced starts a sync.
func (m *Model) loadSyncedAt(start bool) tea.Cmd {
	d := m.s.Desk
	if d == nil {
		return func() tea.Msg { return syncedAtMsg{} } // nothing was ever synced here
	}
	// A process that syncs in the background (serve, the local desk) does
	// the first sync itself: the desk only shows how it goes.
	start = start && !d.SyncsInBackground()
	return func() tea.Msg {
		at := d.DirectoriesSyncedAt()
		return syncedAtMsg{at, start && at.IsZero(), d.SyncStatus(), d.SyncingNow()}
	}
}

// startSync runs Desk.Sync in the background; progress and the end arrive
// as messages through a channel the model waits on.
func (m *Model) startSync() tea.Cmd {
	d, ctx := m.s.Desk, m.ctx
	if d == nil || m.syncing {
		return nil
	}
	m.syncing = true
	m.syncProg = state.SyncProgress{}
	ch := make(chan tea.Msg, 16)
	m.syncCh = ch
	start := func() tea.Msg {
		go runSync(ctx, d, ch)
		return nil
	}
	return tea.Batch(start, waitSync(ch))
}

// runSync syncs d, sending progress (skipped when the screen is behind)
// and the end to ch, then closes it. Once ctx is done (the screen closed)
// nobody may read ch again, so the end is dropped rather than waited on.
func runSync(ctx context.Context, d *state.Desk, ch chan<- tea.Msg) {
	defer close(ch)
	rep, err := d.Sync(ctx, func(p state.SyncProgress) {
		select {
		case ch <- syncProgressMsg{p}:
		default: // the screen is behind: skip this step
		}
	})
	select {
	case ch <- syncDoneMsg{rep, err}:
	case <-ctx.Done():
	}
}

func waitSync(ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

// syncMsg handles sync messages; ok is false for other messages.
func (m *Model) syncMsg(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case syncedAtMsg:
		// The background (or another process) brought new directories, or
		// finished loading them into the index: search again what is typed.
		refresh := m.syncKnown && !m.syncing && (msg.at.After(m.syncedAt) || (m.syncBg && !msg.bg))
		m.syncedAt, m.syncKnown, m.syncStatus, m.syncBg = msg.at, true, msg.status, msg.bg
		if msg.start {
			return m.startSync(), true
		}
		if refresh {
			return m.form.Refresh(), true
		}
		return nil, true
	case syncProgressMsg:
		m.syncProg = msg.p
		return waitSync(m.syncCh), true
	case syncDoneMsg:
		m.syncing = false
		if msg.err != nil {
			m.log.Warn("sync failed", "err", msg.err)
			m.setFlash("Directory sync failed: "+theme.Clean(msg.err.Error())+". The previous copy is still used; ctrl+r to retry.", true)
			return nil, true
		}
		m.setFlash("Directories synced in "+msg.rep.Took.Round(time.Millisecond).String()+".", false)
		return tea.Batch(m.loadSyncedAt(false), m.form.Refresh()), true
	}
	return nil, false
}
