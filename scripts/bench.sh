#!/usr/bin/env bash
# Load benchmark: our bot beside a vanilla `rasa init` bot, then retrieval and index
# growth. Prints the figures and writes results/bench-<time>.json and .png. Not part
# of the test command (timings on a shared machine are figures, not pass/fail).
# Arguments go to the benchmark, e.g. `bash scripts/bench.sh --users 1 10 --duration 10`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${SKIP_SETUP:-0}" = 1 ] || bash scripts/setup.sh  # idempotent, as for start and test
source scripts/env.sh  # umask 077; each bot's API token goes to a 0600 file in its data folder, not on a command line
exec .venv/actions/bin/python -m evaluation.bench "$@"
