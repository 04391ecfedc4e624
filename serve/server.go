// Package serve is the SSH half of `refdesk serve`: a Wish v2 server that
// gives every connecting desk its own Bubble Tea program.
//
// Authentication is by public key only, against an OpenSSH authorized_keys
// file that is re-read when it changes (and on demand, for SIGHUP). The key is
// checked again when a session starts, against the key whose signature the
// server verified. Each session gets a per-session context, an idle timeout,
// a place under a cap on concurrent sessions, and panic containment; Shutdown
// tells every program (ShutdownMsg) so drafts can be saved before the
// connections close.
//
// The package knows nothing about the app's screens: the caller injects
// Options.NewModel.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	"github.com/charmbracelet/colorprofile"
	gossh "golang.org/x/crypto/ssh"
)

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = ssh.ErrServerClosed

// Defaults applied by New to zero fields of Options.
const (
	DefaultKeysPoll      = 2 * time.Second
	DefaultShutdownGrace = 5 * time.Second
	handshakeTimeout     = 30 * time.Second
)

// Options configures a Server. NewModel, HostKeyPath and AuthorizedKeys are
// required.
type Options struct {
	HostKeyPath    string // ed25519 host key, generated on first start (0600), reused after
	AuthorizedKeys string // OpenSSH authorized_keys file; each key's comment is its display name
	// MaxSessions caps concurrent sessions; over it a session is told so and
	// ends. Zero or less means no cap.
	MaxSessions int
	// IdleTimeout ends a session after no input from its client for this long
	// (the model gets ShutdownMsg{Reason: ReasonIdle} first). Zero: never.
	IdleTimeout time.Duration
	// ShutdownGrace is how long a program may take to save after ShutdownMsg
	// before it is told to quit; DefaultShutdownGrace if zero. Shutdown
	// shortens it to fit its context's deadline.
	ShutdownGrace time.Duration
	// KeysPoll is how often the authorized_keys file's size and modification
	// time are checked; DefaultKeysPoll if zero, never if negative.
	KeysPoll time.Duration
	// SessionDeadline closes a connection that has not started a session
	// (shell, exec or subsystem) this long after it was accepted:
	// authentication included. DefaultSessionDeadline if zero.
	SessionDeadline time.Duration
	// MaxPreAuth caps the connections not yet authenticated, in all and
	// (MaxPreAuthPerSource) from one address; over either, a new connection
	// is closed at once and logged. DefaultMaxPreAuth and
	// DefaultMaxPreAuthPer if zero.
	MaxPreAuth          int
	MaxPreAuthPerSource int
	// Logger receives connection and session events: users, key names,
	// fingerprints, addresses, sizes; never key material, never anything the
	// model shows. Discarded if nil.
	Logger *slog.Logger
	// Inbox is the folder under which each SSH user gets an upload inbox
	// (Inbox/<user>/) for files sent with `scp -O FILE user@server:`; see
	// uploads in scp.go. It is created (0700) on the first upload. "" turns
	// uploads off: scp sessions are told so. The caller normally puts it
	// inside the documents folder, so the file picker can reach the files.
	Inbox string
	// InboxQuota is the most bytes one desk's inbox may hold (0: 500 MB;
	// negative: no limit). MinFree is the free space uploads leave on the
	// inbox's disk: one that would leave less is refused (0: 1 GB;
	// negative: no check). The scp client shows why.
	InboxQuota int64
	MinFree    int64
	// NewModel builds the program of one session. ctx is cancelled when the
	// session ends. It runs on the session's goroutine; a panic in it ends
	// that session only.
	NewModel func(ctx context.Context, s Session) tea.Model
}

// Session describes the person and terminal at the other end of a session.
type Session struct {
	// Desk is who is at the other end: the name of the key used, from
	// authorized_keys (its refdesk-desk="NAME" option, else its comment,
	// else "key-" and the start of its fingerprint). Drafts, the audit log
	// and the pane use it. Keys with the same name are one desk.
	Desk string
	// Login is the user name the client typed (cleaned, cut to 64 cells).
	// It proves nothing and identifies no one: show or log it, never key
	// anything on it.
	Login       string
	Fingerprint string // SHA256:... of the key used
	// InboxFolder is the desk's upload folder name under Options.Inbox
	// (Inbox/<InboxFolder>/), where its scp uploads land.
	InboxFolder string
	Term        string   // the client's TERM
	Width       int      // initial columns
	Height      int      // initial rows
	Environ     []string // environment the client sent (TERM added)
}

// NoColor reports whether the client's terminal is to get no colours:
// NO_COLOR in the environment it sent, or a TERM without colours (dumb,
// empty). The screen is then drawn without colours rather than drawn in
// colour and stripped, which would also lose styles such as bold where a
// colour change ends them.
func (s Session) NoColor() bool { return colorprofile.Env(s.Environ) <= colorprofile.ASCII }

// Server is one SSH server. Create it with New.
type Server struct {
	opt    Options
	log    *slog.Logger
	ssh    *ssh.Server
	hostFP string

	keys     atomic.Pointer[keySet]
	keysMu   sync.Mutex // serialises reloads and guards keysStat
	keysStat fileStamp

	active  atomic.Int64 // sessions holding a place under MaxSessions (uploads too)
	resizes atomic.Int64 // window sizes handed to programs, all sessions (see forwardResizes)
	pre     preAuth
	boxes   sync.Map // token -> *resizeBox, while the session's channel is open (channel.go)

	mu      sync.Mutex
	closing bool
	desks   map[ssh.Session]*desk
	sending map[ssh.Session]struct{} // scp uploads under way: Shutdown waits for them

	watchOnce sync.Once
	stopWatch chan struct{}
	stopOnce  sync.Once
}

// New loads (or generates) the host key and loads the authorized keys. It
// does not listen yet.
func New(opt Options) (*Server, error) {
	if opt.NewModel == nil {
		return nil, errors.New("serve: Options.NewModel is required")
	}
	if opt.AuthorizedKeys == "" {
		return nil, errors.New("serve: Options.AuthorizedKeys is required")
	}
	if opt.KeysPoll == 0 {
		opt.KeysPoll = DefaultKeysPoll
	}
	if opt.ShutdownGrace <= 0 {
		opt.ShutdownGrace = DefaultShutdownGrace
	}
	if opt.SessionDeadline <= 0 {
		opt.SessionDeadline = DefaultSessionDeadline
	}
	if opt.InboxQuota == 0 {
		opt.InboxQuota = DefaultInboxQuota
	}
	if opt.MinFree == 0 {
		opt.MinFree = DefaultMinFree
	}
	if opt.MaxPreAuth <= 0 {
		opt.MaxPreAuth = DefaultMaxPreAuth
	}
	if opt.MaxPreAuthPerSource <= 0 {
		opt.MaxPreAuthPerSource = DefaultMaxPreAuthPer
	}
	s := &Server{
		opt:       opt,
		log:       opt.Logger,
		desks:     map[ssh.Session]*desk{},
		sending:   map[ssh.Session]struct{}{},
		stopWatch: make(chan struct{}),
		pre:       preAuth{source: map[string]int{}},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	signer, created, err := loadOrCreateHostKey(opt.HostKeyPath)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	s.hostFP = gossh.FingerprintSHA256(signer.PublicKey())
	if created {
		s.log.Info("ssh host key generated", "path", opt.HostKeyPath, "fingerprint", s.hostFP)
	}
	if err := s.ReloadKeys(); err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	if opt.Inbox != "" {
		sweepInboxes(opt.Inbox)
	}

	s.ssh = &ssh.Server{
		Version:              "refdesk",
		HandshakeTimeout:     handshakeTimeout,
		PublicKeyHandler:     s.authorize,
		ServerConfigCallback: s.serverConfig,
		ConnCallback:         s.guardConn,
		ChannelHandlers:      map[string]ssh.ChannelHandler{"session": s.sessionHandler}, // see channel.go
		ConnectionFailedCallback: func(c net.Conn, err error) {
			s.log.Info("ssh connection refused", "remote", c.RemoteAddr().String(), "reason", err.Error())
		},
	}
	if opt.IdleTimeout > 0 {
		// A backstop for connections that open no session (the per-session
		// idle timer needs a session); sessions end earlier, on their timer.
		s.ssh.IdleTimeout = opt.IdleTimeout + s.opt.ShutdownGrace + time.Second
	}
	s.ssh.AddHostKey(signer)
	s.ssh.SubsystemHandlers = map[string]ssh.SubsystemHandler{"sftp": s.refuseSFTP} // see scp.go
	// Listed innermost first: the last one runs first.
	if err := s.ssh.SetOption(wish.WithMiddleware(
		s.farewell,
		s.runProgram,
		s.trackDesk,
		s.capSessions,
		s.requireTerminal,
		s.uploads, // scp sessions end here: they have no PTY
		s.logSessions,
		s.recheckKey,
		s.recoverPanics,
	)); err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	return s, nil
}

// Fingerprint is the SHA256 fingerprint of the host key ("SHA256:..."), as
// clients show it when they first connect.
func (s *Server) Fingerprint() string { return s.hostFP }

// Sessions is the number of sessions currently holding a place under the cap.
func (s *Server) Sessions() int { return int(s.active.Load()) }

// Serve serves SSH on l until Shutdown, after which it returns
// ErrServerClosed. It also starts watching the authorized_keys file.
func (s *Server) Serve(l net.Listener) error {
	s.watchOnce.Do(func() {
		if s.opt.KeysPoll > 0 {
			go s.watchKeys(s.opt.KeysPoll)
		}
	})
	return s.ssh.Serve(l)
}

// authorize is the public-key callback. It may be called for keys the client
// only offers; serverConfig's verified callback records the key actually used.
func (s *Server) authorize(ctx ssh.Context, key ssh.PublicKey) bool {
	entry, ok := s.keys.Load().lookup(key)
	if !ok {
		// One line per connection (the first key refused), at the rate of
		// connections; a client may offer several keys.
		if ctx.Value(refusalLogged{}) == nil {
			ctx.SetValue(refusalLogged{}, true)
			s.log.Info("ssh login refused", "reason", "key not in authorized_keys", "ssh_user", logText(ctx.User()),
				"fingerprint", gossh.FingerprintSHA256(key), "remote", ctx.RemoteAddr().String())
		}
		return false
	}
	if entry.SourceAddress != "" {
		// Enforced by golang.org/x/crypto/ssh before the client signs.
		ctx.Permissions().CriticalOptions = map[string]string{"source-address": entry.SourceAddress}
	}
	return true
}

// refusalLogged marks a connection whose refused key is logged already.
type refusalLogged struct{}

// verifiedExt is the permissions extension naming the fingerprint of the key
// whose signature the server verified.
const verifiedExt = "refdesk-verified-key"

// serverConfig adds a verified-key callback: it runs only after the client
// proved it holds the private key, so its record is what recheckKey trusts,
// and the connection no longer counts as unauthenticated. Signatures are
// accepted in golang.org/x/crypto/ssh's supported algorithms only, which
// leave out ssh-rsa (RSA with SHA-1, refused by OpenSSH since 8.8): RSA
// keys sign with rsa-sha2-256 or rsa-sha2-512.
func (s *Server) serverConfig(ctx ssh.Context) *gossh.ServerConfig {
	return &gossh.ServerConfig{
		MaxAuthTries:            6,
		PublicKeyAuthAlgorithms: gossh.SupportedAlgorithms().PublicKeyAuths,
		VerifiedPublicKeyCallback: func(c gossh.ConnMetadata, key gossh.PublicKey, p *gossh.Permissions, _ string) (*gossh.Permissions, error) {
			if g, ok := ctx.Value(connKey{}).(*connGuard); ok {
				g.authenticated()
			}
			entry, _ := s.keys.Load().lookup(key)
			s.log.Info("ssh login accepted", "desk", logText(entry.Desk), "ssh_user", logText(c.User()),
				"fingerprint", gossh.FingerprintSHA256(key), "remote", c.RemoteAddr().String())
			if p == nil {
				p = &gossh.Permissions{}
			}
			if p.Extensions == nil {
				p.Extensions = map[string]string{}
			}
			p.Extensions[verifiedExt] = gossh.FingerprintSHA256(key)
			return p, nil
		},
	}
}
