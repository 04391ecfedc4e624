package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// server is a running `refdesk serve --sandbox`.
type server struct {
	t           testing.TB
	cmd         *exec.Cmd
	dataDir     string
	sshAddr     string
	webhookAddr string
	fingerprint string

	mu     sync.Mutex
	out    bytes.Buffer // stdout and stderr
	exited chan struct{}
	err    error // Wait's answer, once exited is closed
}

var (
	sshLine     = regexp.MustCompile(`SSH on (\S+), host key (SHA256:\S+)`)
	webhookLine = regexp.MustCompile(`webhooks at (\S+)/webhooks/cobalt`)
)

// startServe starts `refdesk serve --sandbox` on loopback with its data in
// dataDir, SSH and webhooks on ports the kernel picks (the server prints
// them), and waits until it accepts desks. extra are more flags.
func startServe(t testing.TB, dataDir, authorizedKeys string, ready time.Duration, extra ...string) *server {
	t.Helper()
	return startServeEnv(t, appEnv(dataDir), dataDir, authorizedKeys, ready, append([]string{"--sandbox"}, extra...)...)
}

// startServeEnv is startServe with the environment given (a Cobalt
// account's variables) and without --sandbox.
func startServeEnv(t testing.TB, env []string, dataDir, authorizedKeys string, ready time.Duration, extra ...string) *server {
	t.Helper()
	args := append([]string{"serve", "--ssh-addr", "127.0.0.1:0", "--webhook-addr", "127.0.0.1:0",
		"--authorized-keys", authorizedKeys}, extra...)
	s := &server{t: t, dataDir: dataDir, exited: make(chan struct{})}
	s.cmd = exec.Command(refdeskBin, args...)
	s.cmd.Env = env
	pr, pw := io.Pipe()
	s.cmd.Stdout, s.cmd.Stderr = pw, pw
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start refdesk serve: %v", err)
	}
	go func() {
		err := s.cmd.Wait()
		pw.Close()
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
		close(s.exited)
	}()
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			s.mu.Lock()
			s.out.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
	deadline := time.After(ready)
	for s.sshAddr == "" || s.webhookAddr == "" {
		select {
		case l := <-lines:
			if m := sshLine.FindStringSubmatch(l); m != nil {
				s.sshAddr, s.fingerprint = m[1], m[2]
			}
			if m := webhookLine.FindStringSubmatch(l); m != nil {
				s.webhookAddr = m[1]
			}
		case <-s.exited:
			t.Fatalf("refdesk serve exited before it was ready (%v):\n%s", s.err, s.Output())
		case <-deadline:
			t.Fatalf("refdesk serve did not print its SSH and webhook addresses within %s:\n%s", ready, s.Output())
		}
	}
	return s
}

// Output is what the server printed so far.
func (s *server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

func (s *server) Pid() int { return s.cmd.Process.Pid }

// Healthz checks GET /healthz on the webhook address.
func (s *server) Healthz() error {
	resp, err := http.Get("http://" + s.webhookAddr + "/healthz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var h struct{ Status, Version string }
	if resp.StatusCode != 200 || json.Unmarshal(body, &h) != nil || h.Status != "serving" || h.Version == "" {
		return fmt.Errorf("GET /healthz: %s %q", resp.Status, body)
	}
	return nil
}

// Terminate sends SIGTERM and waits up to d for the exit; it returns the
// exit code and how long the exit took.
func (s *server) Terminate(d time.Duration) (code int, took time.Duration) {
	s.t.Helper()
	start := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-s.exited:
	case <-time.After(d):
		s.t.Fatalf("refdesk serve did not exit within %s of SIGTERM:\n%s", d, s.Output())
	}
	return s.cmd.ProcessState.ExitCode(), time.Since(start)
}

// memory reads the server's VmRSS and VmHWM in MB from /proc.
func (s *server) memory() (rss, hwm float64, err error) {
	return procMemory(s.Pid())
}

func procMemory(pid int) (rss, hwm float64, err error) {
	b, err := os.ReadFile(filepath.Join("/proc", fmt.Sprint(pid), "status"))
	if err != nil {
		return 0, 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		var kb float64
		switch {
		case strings.HasPrefix(l, "VmRSS:"):
			fmt.Sscanf(strings.TrimPrefix(l, "VmRSS:"), "%f", &kb)
			rss = kb / 1024
		case strings.HasPrefix(l, "VmHWM:"):
			fmt.Sscanf(strings.TrimPrefix(l, "VmHWM:"), "%f", &kb)
			hwm = kb / 1024
		}
	}
	if rss == 0 {
		return 0, 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	return rss, hwm, nil
}
