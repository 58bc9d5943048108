#!/usr/bin/env bash
# The local AWS: moto server in a project-local virtualenv.
#
#   scripts/emulator.sh install   create .venv and install the pinned tools (no-op when present)
#   scripts/emulator.sh start     start moto on a free 127.0.0.1 port, wait for it, print the endpoint
#   scripts/emulator.sh stop      stop the moto started by `start` (no stray process is left)
#   scripts/emulator.sh endpoint  print the endpoint of the running emulator
#
# State lives in .emulator/default/ (git-ignored), or in $EMULATOR_STATE_DIR: the pid and the endpoint of the running server.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
# Each user of the emulator (demo, test run, benchmark) can keep its own server: EMULATOR_STATE_DIR.
STATE="${EMULATOR_STATE_DIR:-$ROOT/.emulator/default}"
# Pinned: the integration tests depend on moto's exact behaviour (README, "The local emulator
# and its gaps").
MOTO_SPEC="moto[server]==5.2.5"
CFN_LINT_SPEC="cfn-lint==1.58.0"
PINS_STAMP="$VENV/.clonewarden-pins"
PINS="$MOTO_SPEC $CFN_LINT_SPEC"

die() { echo "emulator: $*" >&2; exit 1; }

# A first run spends about a minute here; say what is happening. On a terminal: a numbered
# line per step, pip's own output and progress bars, the time each step took. In CI (CI=true)
# or when stderr is not a terminal: one line per step, pip quiet, so that logs stay short.
interactive() { [[ -t 2 && "${CI:-}" != "true" ]]; }
STEPS=3
step() { # step <n> <what>
  STEP_STARTED=$SECONDS
  echo "emulator: [$1/$STEPS] $2" >&2
}
step_done() {
  if interactive; then echo "emulator:       done in $((SECONDS - STEP_STARTED)) s" >&2; fi
}

pip_install() { # pip_install <requirement…>
  local quiet=(--quiet --progress-bar off)
  if interactive; then quiet=(--progress-bar on); fi
  "$VENV/bin/python" -m pip install --disable-pip-version-check "${quiet[@]}" "$@" >&2 \
    || die "pip could not install $* from PyPI; check your network or PIP_INDEX_URL."
}

install() {
  if [[ -f "$PINS_STAMP" && "$(cat "$PINS_STAMP")" == "$PINS" && -x "$VENV/bin/moto_server" ]]; then
    return 0
  fi
  command -v python3 >/dev/null 2>&1 \
    || die "python3 is not installed. Install Python 3.9+ with its venv module (Debian/Ubuntu: apt-get install python3 python3-venv; macOS: brew install python)."
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 \
    || die "python3 has no working 'venv' module. Install it (Debian/Ubuntu: apt-get install python3-venv) and run again."
  local started=$SECONDS
  echo "emulator: setting up the local AWS emulator in $VENV (first run only, about a minute)" >&2
  step 1 "creating the virtualenv"
  python3 -m venv "$VENV" || die "python3 -m venv failed; install python3-venv and run again."
  step_done
  step 2 "installing $MOTO_SPEC (the AWS emulator)"
  pip_install "$MOTO_SPEC"
  step_done
  step 3 "installing $CFN_LINT_SPEC (the CloudFormation linter)"
  pip_install "$CFN_LINT_SPEC"
  step_done
  echo "$PINS" > "$PINS_STAMP"
  echo "emulator: ready in $((SECONDS - started)) s" >&2
}

free_port() {
  "$VENV/bin/python" - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

start() {
  install
  mkdir -p "$STATE"
  if [[ -f "$STATE/pid" ]] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null; then
    cat "$STATE/endpoint"
    return 0
  fi
  local port endpoint pid
  port="$(free_port)"
  endpoint="http://127.0.0.1:$port"
  # setsid: moto runs in its own process group so that `stop` can end it and any child it forks.
  # No built-in AMIs: 1,300 of them (with snapshots moto attributes to anyone) only slow tests down.
  MOTO_EC2_LOAD_DEFAULT_AMIS=false setsid "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$STATE/moto.log" 2>&1 < /dev/null &
  pid=$!
  echo "$pid" > "$STATE/pid"
  echo "$endpoint" > "$STATE/endpoint"
  for _ in $(seq 1 150); do
    if "$VENV/bin/python" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$endpoint/moto-api/" 2>/dev/null; then
      echo "$endpoint"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$STATE/moto.log" >&2; die "moto exited during start-up (log above)."; }
    sleep 0.2
  done
  stop
  die "moto did not answer on $endpoint within 30 s (log: $STATE/moto.log)."
}

stop() {
  [[ -f "$STATE/pid" ]] || return 0
  local pid
  pid="$(cat "$STATE/pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$STATE/pid" "$STATE/endpoint"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  endpoint) [[ -f "$STATE/endpoint" ]] && cat "$STATE/endpoint" || die "not running" ;;
  *) echo "usage: $0 install|start|stop|endpoint" >&2; exit 2 ;;
esac
