package serve

import (
	"os"
	"time"
)

// ReloadKeys re-reads the authorized_keys file. New connections and new
// sessions use the new set; running sessions whose key is not in it any
// more are ended (the model gets ShutdownMsg{ReasonKeyRemoved} to save, the
// desk is told why). If the file cannot be read, or is refused (see
// checkKeysFile), nobody can connect until it is fixed (fail closed) and
// every session ends. Safe to call from a SIGHUP handler.
func (s *Server) ReloadKeys() error {
	s.keysMu.Lock()
	defer s.keysMu.Unlock()
	stamp, _ := statFile(s.opt.AuthorizedKeys)
	set, st, err := loadAuthorizedKeys(s.opt.AuthorizedKeys)
	if err != nil {
		s.keys.Store(&keySet{})
		s.keysStat = stamp
		s.log.Error("authorized keys unusable: refusing every key", "path", s.opt.AuthorizedKeys, "error", err.Error())
		s.endRemovedKeys(&keySet{})
		return err
	}
	s.keys.Store(set)
	s.keysStat = stamp
	s.endRemovedKeys(set)
	for _, n := range st.NoPTYLines {
		s.log.Warn("authorized keys line refused: its options deny a terminal (restrict without pty, or no-pty), and refdesk is a terminal",
			"path", s.opt.AuthorizedKeys, "line", n)
	}
	attrs := []any{"path", s.opt.AuthorizedKeys, "keys", st.Keys}
	if skipped := st.BadLines + st.Unsupported + st.NoPTY + st.Duplicates; skipped > 0 {
		attrs = append(attrs, "bad_lines", st.BadLines, "unsupported_options", st.Unsupported,
			"no_terminal", st.NoPTY, "duplicates", st.Duplicates, "skipped_line_numbers", st.Lines)
		s.log.Warn("authorized keys loaded; some lines skipped", attrs...)
	} else {
		s.log.Info("authorized keys loaded", attrs...)
	}
	return nil
}

// endRemovedKeys ends the running sessions whose key is not in set.
func (s *Server) endRemovedKeys(set *keySet) {
	s.mu.Lock()
	var gone []*desk
	for sess, d := range s.desks {
		if _, ok := set.lookup(sess.PublicKey()); !ok {
			gone = append(gone, d)
		}
	}
	s.mu.Unlock()
	for _, d := range gone {
		s.log.Warn("key no longer authorized: ending its session", "desk", d.info.Desk, "fingerprint", d.info.Fingerprint)
		d.stop(ReasonKeyRemoved, s.opt.ShutdownGrace)
	}
}

// fileStamp identifies a version of a file cheaply.
type fileStamp struct {
	mod  time.Time
	size int64
	ok   bool
}

func statFile(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{mod: fi.ModTime(), size: fi.Size(), ok: true}, nil
}

// watchKeys reloads the keys when the file's size or modification time
// changes (or it appears or disappears), until Shutdown.
func (s *Server) watchKeys(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stopWatch:
			return
		case <-t.C:
		}
		now, _ := statFile(s.opt.AuthorizedKeys)
		s.keysMu.Lock()
		changed := now != s.keysStat
		s.keysMu.Unlock()
		if changed {
			_ = s.ReloadKeys() // logged by ReloadKeys
		}
	}
}
