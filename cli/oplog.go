package cli

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"refdesk/api"
)

// logFile is serve's --log-file: appended to, 0600, and reopened on SIGHUP
// so logrotate can move it away (rotate, then `systemctl reload`).
type logFile struct {
	mu   sync.Mutex
	path string
	f    *os.File
}

func openLogFile(path string) (*logFile, error) {
	l := &logFile{path: path}
	if err := l.Reopen(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Write(p)
}

// Reopen opens the path again (a new file if it was moved away) and closes
// the old one; on failure the old file stays in use.
func (l *logFile) Reopen() error {
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("cannot open the log file %s: %w", l.path, err)
	}
	l.mu.Lock()
	old := l.f
	l.f = f
	l.mu.Unlock()
	if old != nil {
		return old.Close()
	}
	return nil
}

func (l *logFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}

// serveLog is serve's log: text lines on stderr (journald keeps them)
// unless path is set, then JSON lines in that file. reopen is what SIGHUP
// calls.
func serveLog(stderr io.Writer, path string) (lg *slog.Logger, reopen func() error, closeLog func(), err error) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if path == "" {
		return slog.New(slog.NewTextHandler(stderr, opts)), func() error { return nil }, func() {}, nil
	}
	f, err := openLogFile(path)
	if err != nil {
		return nil, nil, nil, err
	}
	return slog.New(slog.NewJSONHandler(f, opts)), f.Reopen, func() { f.Close() }, nil
}

// webhookClock notes when the receiver last answered a delivery 200, that
// is verified it, for the desks' header.
type webhookClock struct{ last atomic.Int64 }

func (c *webhookClock) Last() time.Time {
	if n := c.last.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// wrap notes every verified delivery h answers.
func (c *webhookClock) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if r.Method == http.MethodPost && r.URL.Path == api.WebhookPath && sw.code == http.StatusOK {
			c.last.Store(time.Now().UnixNano())
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(p []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
