package state

import (
	"context"
	"encoding/json"
	"slices"
	"sync"

	"refdesk/api"
)

// A desk's own recent choices (issue 14 point 3). On an empty search a
// desk's pickers list first what that desk chose last in the directory
// (RecentFor), then the clinic's most used (the index's own order,
// seedRecency and Submit), then the rest. The desk is its user's name:
// the SSH key's under serve, the OS user's locally. What it chose comes
// from the referrals it sent (the sender column, so it survives a
// restart), read once per user and process, and from what it picks and
// sends from then on.

const (
	// deskRecent is how many of a desk's own choices per directory come
	// first: few enough that the clinic's most used still show on the
	// first screen of the list.
	deskRecent = 5
	// deskRecentWindow is how far back among the clinic's referrals a
	// desk's own are looked for (a desk with none there has no recent
	// choices): it bounds the query without an index on sender.
	deskRecentWindow = 5000
)

// recentDesks holds every desk's recent choices seen by this process.
type recentDesks struct {
	mu    sync.Mutex
	users map[string]*deskChoices
}

// deskChoices is one desk's: per directory, newest first, at most
// deskRecent. Until loaded, it holds only what was chosen since the
// process started.
type deskChoices struct {
	mu     sync.Mutex
	loaded bool
	lists  map[Directory][]string
}

func (r *recentDesks) of(user string) *deskChoices {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.users == nil {
		r.users = make(map[string]*deskChoices)
	}
	c := r.users[user]
	if c == nil {
		c = &deskChoices{lists: make(map[Directory][]string)}
		r.users[user] = c
	}
	return c
}

// add puts key first in dir's list (c.mu held).
func (c *deskChoices) add(dir Directory, key string) {
	l := c.lists[dir]
	out := make([]string, 0, min(len(l)+1, deskRecent))
	out = append(out, key)
	for _, k := range l {
		if k != key && len(out) < deskRecent {
			out = append(out, k)
		}
	}
	c.lists[dir] = out
}

// choice is one entry a referral chose, in the directory it came from.
type choice struct {
	dir Directory
	key string
}

// choicesOf lists what in chose: the patient, then the providers on each
// side (none for "no provider on this side").
func choicesOf(in ReferralInput) []choice {
	out := make([]choice, 0, 3)
	if in.PatientMRN != "" {
		out = append(out, choice{Patients, in.PatientMRN})
	}
	fromDir, toDir, _ := api.DirectoryFor(in.Direction)
	for _, p := range []struct{ id, dir string }{{in.FromEHRID, fromDir}, {in.ToEHRID, toDir}} {
		if p.id == api.NoProvider || p.id == "" {
			continue
		}
		if p.dir == api.DirReferringProviders {
			out = append(out, choice{ReferringProviders, p.id})
		} else {
			out = append(out, choice{Providers, p.id})
		}
	}
	return out
}

// noteSent records that user sent (or sent again) in.
func (d *Desk) noteSent(user string, in ReferralInput) {
	c := d.recent.of(user)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range choicesOf(in) {
		c.add(ch.dir, ch.key)
	}
}

// RecentFor is what user chose last in dir, newest first, at most five:
// from the referrals user sent (read from the store the first time it is
// asked for a user, among the clinic's newest 5,000 referrals) and what
// it picked or sent since. Best effort: if the store cannot be read, only
// this process's choices are known, and it is read again next time.
func (d *Desk) RecentFor(ctx context.Context, user string, dir Directory) []string {
	c := d.recent.of(user)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.loaded {
		if stored, err := d.storedChoices(ctx, user); err != nil {
			d.log.Warn("a desk's recent choices not read", "err", err.Error())
		} else {
			live := c.lists
			c.lists, c.loaded = stored, true
			for dir, l := range live { // chosen since start: newer
				for i := len(l) - 1; i >= 0; i-- {
					c.add(dir, l[i])
				}
			}
		}
	}
	return append([]string(nil), c.lists[dir]...)
}

// storedChoices reads user's choices from the referrals it sent, newest
// first, per directory.
func (d *Desk) storedChoices(ctx context.Context, user string) (map[Directory][]string, error) {
	rows, err := d.st.r.QueryContext(ctx, `SELECT input FROM referrals
		WHERE sender = ? AND id > (SELECT coalesce(max(id), 0) FROM referrals) - ?
		ORDER BY id DESC`, user, deskRecentWindow)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	lists := make(map[Directory][]string)
	full := 0
	for rows.Next() && full < len(directories) {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, err
		}
		var in ReferralInput
		if json.Unmarshal([]byte(raw), &in) != nil {
			continue
		}
		for _, ch := range choicesOf(in) {
			l := lists[ch.dir]
			if len(l) >= deskRecent || slices.Contains(l, ch.key) {
				continue
			}
			lists[ch.dir] = append(l, ch.key)
			if len(l)+1 == deskRecent {
				full++
			}
		}
	}
	return lists, rows.Err()
}

// DeskIndex is a directory's index as one desk's pickers search it: its
// Searchers list that desk's recent choices first on an empty query
// (RecentFor), and a choice made in its picker (Touch) is one of them.
// Only sending a referral counts for the clinic's most used.
type DeskIndex struct {
	*Index
	d    *Desk
	ctx  context.Context
	user string
	dir  Directory
}

// IndexFor is dir's index for user's pickers (nil for an unknown
// directory). ctx bounds the reading of user's history from the store.
func (d *Desk) IndexFor(ctx context.Context, user string, dir Directory) *DeskIndex {
	ix := d.Index(dir)
	if ix == nil {
		return nil
	}
	return &DeskIndex{Index: ix, d: d, ctx: ctx, user: user, dir: dir}
}

// NewSearcher returns a Searcher that lists the desk's recent choices first.
func (x *DeskIndex) NewSearcher() *Searcher {
	s := x.Index.NewSearcher()
	s.Prefer(func() []string { return x.d.RecentFor(x.ctx, x.user, x.dir) })
	return s
}

// Touch records that the desk chose key in this directory.
func (x *DeskIndex) Touch(key string) {
	c := x.d.recent.of(x.user)
	c.mu.Lock()
	c.add(x.dir, key)
	c.mu.Unlock()
}
