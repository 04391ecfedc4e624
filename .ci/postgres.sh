#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests and prints its URL
# (REFDESK_TEST_DATABASE_URL) on stdout; `.ci/postgres.sh stop DIR` stops it.
# Debian's `postgresql` package is installed when missing. The cluster runs
# as an unprivileged user (the package's `postgres` user when run as root, the
# caller otherwise) in a temp folder, on a free local port, trust auth on
# 127.0.0.1 only; nothing of it outlives the run.
set -euo pipefail

if [ "${1:-}" = stop ]; then
  dir=$2
  owner=$(stat -c %U "$dir")
  if [ "$(id -u)" = 0 ] && [ "$owner" != root ]; then
    runuser -u "$owner" -- "$(cat "$dir/bindir")/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  else
    "$(cat "$dir/bindir")/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  exit 0
fi

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "== installing postgresql" >&2
  if [ "$(id -u)" = 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  "${apt_get[@]}" update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq postgresql >/dev/null
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi

dir=$(mktemp -d /tmp/refdesk-pg.XXXXXX)
echo "$bindir" > "$dir/bindir"
as=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  chown postgres "$dir"
  as=(runuser -u postgres --)
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 55432)
"${as[@]}" "$bindir/initdb" -D "$dir/data" -U refdesk --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
# Tests create and drop a database each; many connections from -race runs.
"${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c shared_buffers=64MB" start >/dev/null
echo "postgres://refdesk@127.0.0.1:$port/postgres?sslmode=disable"
echo "$dir" > "${PG_DIR_FILE:-/dev/null}"
