#!/usr/bin/env bash
# ssh-smoke: connect to `refdesk serve --sandbox` once with OpenSSH's client,
# as a front desk would, and check the screen it gets (issue 6).
#
# Builds refdesk (or uses $REFDESK_BIN), starts the server on loopback with a
# generated ed25519 desk key, runs `ssh -tt` in a 120x40 tmux session, waits
# for the form's "Patient" field and the SANDBOX badge, then stops the server
# with SIGTERM and checks it exits 0 and the desk was told. Needs ssh, ssh-keygen and tmux.
# Everything lives in a temporary directory and a tmux server of its own,
# removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in ssh ssh-keygen tmux; do
  command -v "$tool" >/dev/null 2>&1 || { echo "ssh-smoke: $tool is not installed" >&2; exit 1; }
done

tmp=$(mktemp -d)
sock="$tmp/tmux.sock" # a tmux server of our own, never the user's
server_pid=""
cleanup() {
  tmux -S "$sock" kill-server 2>/dev/null || true
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

bin="${REFDESK_BIN:-}"
if [ -z "$bin" ]; then
  bin="$tmp/refdesk"
  go build -o "$bin" .
fi

ssh-keygen -q -t ed25519 -N '' -C smoke-desk -f "$tmp/desk_key"
cp "$tmp/desk_key.pub" "$tmp/authorized_keys"

# Credentials are unset so the sandbox runs even where COBALT_* are set.
env -u COBALT_CLIENT_ID -u COBALT_CLIENT_SECRET -u COBALT_ACCESS_TOKEN -u NO_COLOR \
  REFDESK_DATA_DIR="$tmp/data" "$bin" serve --sandbox \
  --ssh-addr 127.0.0.1:0 --webhook-addr 127.0.0.1:0 \
  --authorized-keys "$tmp/authorized_keys" >"$tmp/serve.out" 2>&1 &
server_pid=$!

# The server prints "SSH on 127.0.0.1:PORT, host key SHA256:…" when ready.
addr=""
for _ in $(seq 1 300); do
  addr=$(sed -n 's/^SSH on \([0-9.]*:[0-9]*\), host key .*/\1/p' "$tmp/serve.out" | head -n1)
  [ -n "$addr" ] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "ssh-smoke: refdesk serve exited:"; cat "$tmp/serve.out"; exit 1; }
  sleep 0.1
done
[ -n "$addr" ] || { echo "ssh-smoke: refdesk serve not ready after 30s:"; cat "$tmp/serve.out"; exit 1; }
port=${addr##*:}
echo "ssh-smoke: refdesk serve on $addr"

tmux -S "$sock" -f /dev/null new-session -d -s smoke -x 120 -y 40 \
  "TERM=xterm-256color ssh -tt -i '$tmp/desk_key' -p $port \
     -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no \
     -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR smoke@127.0.0.1; sleep 60"

screen=""
ok=""
for _ in $(seq 1 150); do
  screen=$(tmux -S "$sock" capture-pane -p -t smoke 2>/dev/null || true)
  if grep -q "Patient" <<<"$screen" && grep -q "SANDBOX" <<<"$screen"; then
    ok=1
    break
  fi
  sleep 0.1
done
if [ -z "$ok" ]; then
  echo "ssh-smoke: the screen over OpenSSH does not show the form's Patient field and SANDBOX:"
  echo "$screen"
  echo "--- refdesk serve said:"; cat "$tmp/serve.out"
  exit 1
fi
echo "ssh-smoke: OpenSSH got the form:"
head -n 6 <<<"$screen"

kill -TERM "$server_pid"
code=0
for _ in $(seq 1 100); do
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$server_pid" 2>/dev/null; then
  echo "ssh-smoke: refdesk serve still running 10s after SIGTERM"; exit 1
fi
wait "$server_pid" || code=$?
server_pid=""
if [ "$code" != 0 ]; then
  echo "ssh-smoke: refdesk serve exited $code after SIGTERM:"; cat "$tmp/serve.out"; exit 1
fi
told=""
for _ in $(seq 1 50); do
  if tmux -S "$sock" capture-pane -p -S -100 -t smoke 2>/dev/null | grep -q "shutting down"; then
    told=1
    break
  fi
  sleep 0.1
done
if [ -z "$told" ]; then
  echo "ssh-smoke: the desk was not told the server is shutting down:"
  tmux -S "$sock" capture-pane -p -S -100 -t smoke || true
  exit 1
fi
echo "ssh-smoke: passed (the desk was told; the server exited 0)"
