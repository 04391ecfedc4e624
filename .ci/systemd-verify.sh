#!/usr/bin/env bash
# Checks packaging/'s systemd units with systemd-analyze verify, with the
# binary path pointed at a fresh build (verify wants ExecStart to exist).
# Any complaint fails, not only errors: verify exits 0 on unknown keys.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -o "$tmp/refdesk" .
for f in packaging/*.service packaging/*.timer; do
  sed "s#/usr/local/bin/refdesk#$tmp/refdesk#g" "$f" > "$tmp/$(basename "$f")"
done
if ! out=$(systemd-analyze verify "$tmp"/*.service "$tmp"/*.timer 2>&1) || [ -n "$out" ]; then
  echo "systemd-analyze verify complained:"; echo "$out"; exit 1
fi
echo "systemd-analyze verify: $(ls packaging/*.service packaging/*.timer | xargs -n1 basename | tr '\n' ' ')ok"
