// Package testkit holds what several packages' tests share besides the
// sandbox (api/sandbox/sandboxtest): SSH client keys and polling.
package testkit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// Key is an SSH client key pair and its authorized_keys line.
type Key struct {
	Signer  gossh.Signer
	Private ed25519.PrivateKey
	Line    string // "ssh-ed25519 AAAA… comment"
}

// NewKey makes an ed25519 key whose authorized_keys line ends in comment.
func NewKey(t testing.TB, comment string) Key {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey()))) + " " + comment
	return Key{Signer: signer, Private: priv, Line: line}
}

// WriteOpenSSH writes the private key to path in OpenSSH's format (0600),
// for OpenSSH's and PuTTY's clients.
func (k Key) WriteOpenSSH(t testing.TB, path, comment string) {
	t.Helper()
	block, err := gossh.MarshalPrivateKey(k.Private, comment)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Poll calls cond every interval until it is true (true) or d has passed
// (false).
func Poll(d, interval time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(interval)
	}
}

// Buffer is a bytes.Buffer that a running command (or a server's log) and
// a test may use at once.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String is everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
