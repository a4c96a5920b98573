#!/usr/bin/env bash
# Set up and run the whole test suite: on SQLite, then on a real PostgreSQL when its server
# binaries are installed (Debian: apt-get install postgresql). Usage: bash tests/run.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

echo "== test suite on SQLite"
.venv/bin/python -m pytest -q "$@"

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$PG_BIN" ] && command -v pg_ctl >/dev/null 2>&1; then
  PG_BIN=$(dirname "$(command -v pg_ctl)")
fi
if [ -z "$PG_BIN" ]; then
  echo "== PostgreSQL is not installed: the suite ran on SQLite only (apt-get install postgresql)"
  exit 0
fi

# A throw-away PostgreSQL cluster on loopback, owned by an unprivileged user, removed at exit, on a
# port nobody uses (the system asks for one), unless CLAUSES_TEST_PG_PORT says which.
free_port() {
  .venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
PG_PORT=${CLAUSES_TEST_PG_PORT:-$(free_port)}
PG_DIR=$(mktemp -d /tmp/clauses-pg.XXXXXX)
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres:postgres "$PG_DIR"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}
cleanup() { as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$PG_DIR"; }
trap cleanup EXIT
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c full_page_writes=off" start >/dev/null; then
  # The clean-up at exit removes the log: show it first, it says why.
  echo "== PostgreSQL did not start on port $PG_PORT; its log ($PG_DIR/server.log):" >&2
  cat "$PG_DIR/server.log" >&2 || true
  exit 1
fi

# The deployment smoke test (a real Prefect server and worker) already ran above; it does not
# depend on the database engine beyond what the rest of the suite covers.
echo "== test suite on PostgreSQL ($("$PG_BIN/postgres" --version))"
CLAUSES_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres" .venv/bin/python -m pytest -q -m "not smoke" "$@"
