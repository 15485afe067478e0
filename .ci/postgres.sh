#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server for the tests (Debian's package): a fresh cluster in a temp
# dir, owned by an unprivileged user (PostgreSQL refuses to run as root), listening only on a unix
# socket in that dir. Source it: it exports TRIPOD_TEST_PG_URL and stops the server on exit.
set -euo pipefail
pg_bin=""
for d in /usr/local/bin /usr/lib/postgresql/*/bin; do
  [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { pg_bin="$d"; break; }
done
[ -n "$pg_bin" ] || { echo "ci: PostgreSQL initdb/pg_ctl not found (apt-get install postgresql)" >&2; exit 1; }
pg_user=postgres
if [ "$(id -u)" = 0 ]; then
  id -u "$pg_user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user"
else
  pg_user="$(id -un)"
fi
pg_dir="$(mktemp -d /tmp/tripod-pg.XXXXXX)"
chmod 755 "$pg_dir"
[ "$(id -u)" = 0 ] && chown "$pg_user" "$pg_dir"
as_pg() { if [ "$(id -u)" = 0 ]; then su -s /bin/sh "$pg_user" -c "$*"; else sh -c "$*"; fi; }
as_pg "'$pg_bin/initdb' -D '$pg_dir/data' -U tripod --auth=trust -E UTF8 --no-locale" >"$pg_dir/initdb.log" 2>&1 ||
  { cat "$pg_dir/initdb.log" >&2; echo "ci: initdb failed" >&2; exit 1; }
as_pg "'$pg_bin/pg_ctl' -D '$pg_dir/data' -l '$pg_dir/server.log' -w -o \"-c listen_addresses='' -k '$pg_dir' -c fsync=on\" start" >/dev/null ||
  { cat "$pg_dir/server.log" >&2; echo "ci: PostgreSQL did not start" >&2; exit 1; }
export TRIPOD_TEST_PG_URL="postgresql://tripod@/postgres?host=$pg_dir"
tripod_pg_stop() { as_pg "'$pg_bin/pg_ctl' -D '$pg_dir/data' -m fast stop" >/dev/null 2>&1 || true; rm -rf "$pg_dir"; }
trap tripod_pg_stop EXIT
echo "ci: PostgreSQL running for the tests ($TRIPOD_TEST_PG_URL)"
