#!/usr/bin/env bash
# e2e-server.sh -- a local Bugsink (a Sentry-protocol server) and Sentry Relay's normalizer for
# the end-to-end tests and for trying the SDK by hand. Everything lives in one directory,
# $E2E_DIR (default: .e2e/ in the repository, which git ignores).
#
#   scripts/e2e-server.sh up        install if needed, start Bugsink on 127.0.0.1, print the DSN
#                                   as the last line of stdout (progress goes to stderr)
#   scripts/e2e-server.sh down      stop it
#   scripts/e2e-server.sh dsn       print the DSN of the running server
#   scripts/e2e-server.sh events [--wait-for N] [--timeout S] [--full]
#                                   stored events, one JSON object per line
#   scripts/e2e-server.sh relay-check FILE...
#                                   validate envelopes with Relay's StoreNormalizer (exit 1 on errors)
#   scripts/e2e-server.sh log       path of the server log
#
# Environment: E2E_DIR; E2E_PORT (default: a free port, chosen once and kept in $E2E_DIR);
# E2E_PYTHON (default python3, >= 3.10).
# Installs from PyPI: bugsink==2.6.1 (2.6.2 needs a certifi the registry mirror lacks) and
# sentry-relay==0.10.1. Bugsink runs with SQLite and digests inside the request (no worker
# process), so an event is stored when the 200 comes back. It never calls home.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${E2E_DIR:-$ROOT/.e2e}
PY=${E2E_PYTHON:-python3}
VENV=$DIR/venv
DATA=$DIR/bugsink
BIN=$VENV/bin
PIDFILE=$DATA/server.pid
LOG=$DATA/server.log

say() { printf '[e2e-server] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

install() {
  if [ -x "$BIN/bugsink-manage" ] && [ -x "$BIN/gunicorn" ] \
      && "$BIN/python" -c 'import sentry_relay' 2>/dev/null; then
    return
  fi
  "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
    || die "$PY is older than 3.10; set E2E_PYTHON to a newer python"
  say "installing bugsink 2.6.1 and sentry-relay 0.10.1 into $VENV"
  [ -x "$BIN/python" ] || "$PY" -m venv "$VENV" >&2 \
    || die "could not create a virtualenv; on Debian: apt-get install python3-venv"
  "$BIN/python" -m pip install --disable-pip-version-check -q \
    "bugsink==2.6.1" "sentry-relay==0.10.1" >&2
}

port() {
  if [ -n "${E2E_PORT:-}" ]; then
    echo "$E2E_PORT" > "$DATA/port"
  elif [ ! -s "$DATA/port" ]; then
    "$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
      > "$DATA/port"
  fi
  cat "$DATA/port"
}

configure() {
  local port=$1 conf=$DATA/bugsink_conf.py
  if [ ! -f "$conf" ]; then
    (cd "$DATA" && "$BIN/bugsink-create-conf" --template=local --host 127.0.0.1 --port "$port" -o "$conf" >&2)
  fi
  # Our settings go below a marker and are rewritten on every start.
  sed -i '/^# --- sentry-scopes e2e ---/,$d' "$conf"
  cat >> "$conf" <<EOF
# --- sentry-scopes e2e ---
DATABASES["default"]["NAME"] = "$DATA/db.sqlite3"
DATABASES["snappea"]["NAME"] = "$DATA/snappea.sqlite3"
SNAPPEA = {"TASK_ALWAYS_EAGER": True}
BUGSINK.update({
    "BASE_URL": "http://127.0.0.1:$port",
    "PHONEHOME": False,
    "INGEST_STORE_BASE_DIR": "$DATA/ingest",
    "VALIDATE_ON_DIGEST": "warn",
    "KEEP_ENVELOPES": 200,
    "MAX_EVENTS_PER_PROJECT_PER_5_MINUTES": 100000,
    "MAX_EVENTS_PER_5_MINUTES": 100000,
    "MAX_EVENTS_PER_PROJECT_PER_HOUR": 500000,
    "MAX_EVENTS_PER_HOUR": 500000,
})
EOF
}

manage() { (cd "$DATA" && PYTHONPATH=$DATA DJANGO_SETTINGS_MODULE=bugsink_conf "$BIN/bugsink-manage" "$@"); }

project_dsn() {
  manage shell -v 0 -c "
from users.models import User
from teams.models import Team, TeamMembership
from projects.models import Project, ProjectMembership
user = User.objects.filter(username='admin').first() or User.objects.create_superuser('admin', 'admin@example.org', 'admin')
team, _ = Team.objects.get_or_create(name='e2e')
TeamMembership.objects.get_or_create(team=team, user=user, defaults={'accepted': True, 'role': 1})
project = Project.objects.filter(name='e2e', is_deleted=False).first() or Project.objects.create(
    name='e2e', team=team, alert_on_new_issue=False, alert_on_regression=False, alert_on_unmute=False)
ProjectMembership.objects.get_or_create(project=project, user=user, defaults={'accepted': True, 'role': 1})
print('DSN=' + project.dsn)
" | sed -n 's/^DSN=//p' | tail -n1
}

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

up() {
  local started=$SECONDS port dsn
  mkdir -p "$DATA"
  install
  port=$(port)
  configure "$port"
  manage migrate --noinput -v 0 >&2
  manage migrate --noinput -v 0 --database=snappea >&2
  dsn=$(project_dsn)
  [ -n "$dsn" ] || die "could not create or read the e2e project"
  if running && curl -sf -o /dev/null "http://127.0.0.1:$port/health/ready"; then
    say "already running (pid $(cat "$PIDFILE"))"
  else
    if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
      die "port $port is taken; set E2E_PORT to a free port"
    fi
    # --no-control-socket: gunicorn would otherwise share ~/.gunicorn/gunicorn.ctl between instances.
    nohup "$BIN/gunicorn" --no-control-socket --bind "127.0.0.1:$port" --workers 1 --threads 4 \
      --access-logfile - --chdir "$DATA" bugsink.wsgi </dev/null >>"$LOG" 2>&1 &
    echo $! > "$PIDFILE"
    for _ in $(seq 1 300); do
      curl -sf -o /dev/null "http://127.0.0.1:$port/health/ready" && break
      running || { tail -n 20 "$LOG" >&2; die "Bugsink exited; log: $LOG"; }
      sleep 0.1
    done
    curl -sf -o /dev/null "http://127.0.0.1:$port/health/ready" || die "Bugsink not ready after 30 s; log: $LOG"
    say "Bugsink ready on http://127.0.0.1:$port (login admin/admin) after $((SECONDS - started)) s"
  fi
  echo "$dsn"
}

down() {
  if running; then
    local pid
    pid=$(cat "$PIDFILE")
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
    say "stopped Bugsink (pid $pid)"
  fi
  rm -f "$PIDFILE"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  up) up ;;
  down) down ;;
  dsn) running || die "not running; run: $0 up"; project_dsn ;;
  events)
    [ -f "$DATA/bugsink_conf.py" ] || die "no Bugsink in $DATA; run: $0 up"
    "$BIN/python" "$ROOT/scripts/bugsink-events.py" --data "$DATA" "$@" ;;
  relay-check)
    install
    "$BIN/python" "$ROOT/scripts/relay-check.py" "$@" ;;
  log) echo "$LOG" ;;
  *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
