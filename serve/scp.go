package serve

import (
	"errors"
	"fmt"

	"charm.land/ssh"
	"charm.land/wish/v2/scp"

	"refdesk/api"
)

// SCP uploads into per-desk inboxes.
//
// A desk sends a scanned file from its own machine with
//
//	scp -O report.pdf server:
//
// and it lands in Options.Inbox/<desk>/report.pdf, where <desk> is the
// inbox folder of the key it connected with (authorizedKey.Folder: its
// desk name reduced to [A-Za-z0-9._@-]), and where the desk's file
// picker (confined to the documents folder, of which the inbox is a
// subfolder) can attach it. The choices, all deliberate:
//
//   - Upload only. Copying from the server (scp -f) is refused: documents
//     hold patient information. So are folders (scp -r).
//   - The remote target must be the inbox itself: nothing after the colon, or
//     ".", "./", "~", "~/", "inbox", "inbox/", "~/inbox" or "~/inbox/".
//     Anything else (a subfolder, a new file name, "..", an absolute path)
//     is refused with a message saying to put nothing after the colon.
//   - The key names the folder, never the SSH user name the client typed
//     (any name may be typed; scp -O f bob@server: with Alice's key lands
//     in Alice's inbox).
//   - The server creates the inbox and the user folder (0700); if either
//     already exists as a symbolic link or as anything but a folder, uploads
//     are refused, not followed. Files are 0600 whatever mode the client
//     sends; times the client sends (scp -p) are ignored.
//   - The file's own name is kept once sanitised (see cleanName); a name
//     already in the inbox is never overwritten: " (2)", " (3)"... go before
//     the extension.
//   - A file is written to a hidden temporary file in the user's folder and
//     linked under its name only once every byte has arrived, so the file
//     picker never shows half a file, and only once the client's status
//     byte after the data says it read its file whole (see receive); a
//     failed or interrupted upload leaves nothing behind. One cut off by the server stopping leaves a hidden
//     temporary file, removed when the server next starts (sweepInboxes) or
//     at that user's next upload a day later (sweepTemps).
//   - A file larger than maxUploadBytes is refused from its header, before
//     any of its bytes are written.
//   - Each file is logged with the user, key name, bytes and outcome; never
//     its name (file names can carry patient names), nor the target.
//
// Uploads do not take a place under Options.MaxSessions: they are not desks.
// Only the classic SCP protocol is served: OpenSSH 9+ needs scp -O, PuTTY's
// pscp needs -scp. The "sftp" subsystem is answered with a message saying so
// (refuseSFTP) rather than refused at the request, which makes OpenSSH's
// scp show the message; the cost is that pscp without -scp, which falls
// back to SCP only when the subsystem request itself is refused, fails
// instead of falling back (with refdesk's message on its stderr).

// maxUploadBytes is the largest file the desk's file picker could ever
// attach: the picker refuses a referral whose request would exceed
// api.MaxRequestBytes, and a document counts 4/3 of its size once encoded, so
// a bigger file could never be sent. (A file near this size may still be
// refused by the picker once the rest of the referral is counted.)
const maxUploadBytes = api.MaxRequestBytes / 4 * 3

// Messages an scp client sees; one line each, never logged.
const (
	msgUploadsOff   = "refdesk: uploads (scp) are turned off on this server; ask the administrator to put the file in the documents folder"
	msgUploadOnly   = "refdesk accepts uploads only: documents stay on the server (they hold patient information). To send a file: scp -O FILE %s@SERVER:"
	msgNoFolders    = "refdesk accepts files, not folders: copy the files themselves (scp -O FILE... %s@SERVER:), without -r"
	msgTargetInbox  = "refdesk puts uploads in your inbox only: copy to %s@SERVER: with nothing after the colon"
	msgInboxBroken  = "refdesk: the upload inbox on the server is not a plain folder; uploads are refused until the administrator fixes it"
	msgInboxFailed  = "refdesk: the upload inbox cannot be opened on the server; try again later or tell the administrator"
	msgTooLarge     = "refdesk: that file is %s; a document can be at most %s (Cobalt's %s limit on a referral counts documents at 4/3 of their size). Shrink it or scan it at a lower resolution."
	msgBadName      = "refdesk: that file name has nothing usable once control characters and leading dots are removed; rename the file"
	msgNotSaved     = "refdesk: the file could not be saved on the server; nothing was kept. Try again or tell the administrator."
	msgInterrupted  = "refdesk: the upload was interrupted; nothing was kept. Send the file again."
	msgNoSFTP       = "refdesk accepts classic scp uploads only, not SFTP: send with scp -O FILE SERVER: (or pscp -scp)"
	msgScpMalformed = "refdesk: unsupported scp request; send a file with: scp -O FILE %s@SERVER:"
)

// inboxTarget reports whether a remote target means "my inbox".
func inboxTarget(path string) bool {
	switch path {
	case "", ".", "./", "~", "~/", "inbox", "inbox/", "~/inbox", "~/inbox/":
		return true
	}
	return false
}

// uploads serves scp sessions (see above); every other session goes on to
// next. It sits inside recheckKey and logSessions (so the key is checked and
// the session logged) and outside requireTerminal (scp has no PTY).
func (s *Server) uploads(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		info := scp.GetInfo(sess.Command())
		if !info.Ok {
			next(sess)
			return
		}
		entry := s.keyOf(sess)
		user := entry.Folder // the desk's inbox: the key decides, not the name typed
		attrs := s.sessionAttrs(sess)
		attrs = attrs[:len(attrs):len(attrs)] // appends below never share a tail
		refuseScp := func(outcome, msg string) {
			s.log.Info("scp upload", append(attrs, "bytes", 0, "outcome", outcome)...)
			scpRefuse(sess, info.Op, msg)
		}
		switch {
		case s.opt.Inbox == "":
			refuseScp("uploads off", msgUploadsOff)
			return
		case info.Op == scp.OpCopyToClient:
			refuseScp("download refused", fmt.Sprintf(msgUploadOnly, safeUser(user)))
			return
		case info.Op != scp.OpCopyFromClient:
			refuseScp("malformed", fmt.Sprintf(msgScpMalformed, safeUser(user)))
			return
		case info.Recursive:
			refuseScp("folder refused", fmt.Sprintf(msgNoFolders, safeUser(user)))
			return
		case !inboxTarget(info.Path):
			refuseScp("target refused", fmt.Sprintf(msgTargetInbox, safeUser(user)))
			return
		case !validInboxUser(user): // cannot happen: inboxFolder makes valid names
			refuseScp("inbox name refused", msgInboxFailed)
			return
		}
		// An upload takes a place under MaxSessions like a desk, and
		// Shutdown waits for it (cutting it after the grace).
		n := s.active.Add(1)
		defer s.active.Add(-1)
		if max := s.opt.MaxSessions; max > 0 && n > int64(max) {
			refuseScp("refused: at the session limit", fmt.Sprintf(msgAtLimit, max))
			return
		}
		if !s.startUpload(sess) {
			refuseScp("refused: shutting down", msgShuttingDown)
			return
		}
		defer s.endUpload(sess)
		root, err := openUserInbox(s.opt.Inbox, user)
		if err != nil {
			s.log.Warn("scp refused: inbox unusable", append(attrs, "inbox", s.opt.Inbox, "err", err.Error())...)
			msg := msgInboxFailed
			if errors.Is(err, errInboxNotFolder) {
				msg = msgInboxBroken
			}
			scpRefuse(sess, info.Op, msg)
			return
		}
		defer func() { _ = root.Close() }()
		w := &inboxWriter{log: s.log, attrs: attrs, max: maxUploadBytes, root: root,
			dir: s.opt.Inbox, quota: max(s.opt.InboxQuota, 0), minFree: max(s.opt.MinFree, 0)}
		_ = sess.Exit(w.receive(sess))
	}
}

// startUpload records an upload under way, unless the server is closing.
func (s *Server) startUpload(sess ssh.Session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.sending[sess] = struct{}{}
	return true
}

func (s *Server) endUpload(sess ssh.Session) {
	s.mu.Lock()
	delete(s.sending, sess)
	s.mu.Unlock()
}

// cutUploads ends the uploads still under way: the client is told, and
// the file's temporary copy is removed as its session ends.
func (s *Server) cutUploads() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sess := range s.sending {
		_, _ = fmt.Fprintf(sess, "\x02%s\n", msgShuttingDown)
		_ = sess.Close()
	}
}

// refuseSFTP answers the "sftp" subsystem, which OpenSSH 9+'s scp uses
// unless given -O, and sftp clients use: refdesk does not serve SFTP (it
// would offer downloads and browsing), so the client is told what to type.
// Subsystems bypass the middleware chain; this handler reads and writes no
// file, so it needs no key re-check.
func (s *Server) refuseSFTP(sess ssh.Session) {
	s.log.Info("scp upload", append(s.sessionAttrs(sess), "bytes", 0, "outcome", "sftp refused")...)
	msg := msgNoSFTP
	if s.opt.Inbox == "" {
		msg = msgUploadsOff
	}
	refuse(sess, sess.Stderr(), msg)
}

// scpRefuse ends an scp session with msg before any transfer. A client
// sending files (scp -t on this side) is waiting for the protocol's first
// answer, so it gets the message as a fatal protocol error (a 2 byte, the
// line), which it prints as is; a client asking for files (scp -f) gets it on
// stderr.
func scpRefuse(sess ssh.Session, op scp.Op, msg string) {
	if op == scp.OpCopyFromClient {
		_ = sess.Exit(scpFatal(sess, msg))
		return
	}
	refuse(sess, sess.Stderr(), msg)
}

// safeUser is the user name as it may be echoed in a suggestion: itself if
// it could name an inbox, else a placeholder.
func safeUser(u string) string {
	if validInboxUser(u) {
		return u
	}
	return "USER"
}

// validInboxUser reports whether u may name an inbox folder: [A-Za-z0-9._@-],
// 1 to 64 bytes, not starting with "." (what inboxFolder makes).
func validInboxUser(u string) bool {
	if u == "" || len(u) > 64 || u[0] == '.' {
		return false
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-' || c == '@') {
			return false
		}
	}
	return true
}
