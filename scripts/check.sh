#!/usr/bin/env bash
# The quick check for the inner loop (make check): lint and the unit tests of both
# environments, side by side; no servers, no trained Rasa model, no evaluation, and not
# the few unit tests marked slow (pyproject.toml; over 10 s each). Under
# 3 minutes on this 2-core machine (the time is printed at the end). `make test` runs
# everything, with the gates of tests/gates.yml. Sets up the environments first only
# when they are missing (a fresh clone); otherwise it uses them as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/actions/bin/python ] && [ -x .venv/rasa/bin/python ] || bash scripts/setup.sh
export CONTENT_DIR="$PWD/content"  # tests read the repository's content, not the served copy
source scripts/env.sh
started=$SECONDS
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "ruff (settings in pyproject.toml)"
.venv/actions/bin/ruff check .

# The Rasa environment's tests that load the trained model (make test trains it first).
NEEDS_MODEL=(tests/rasa/test_fast_model_load.py tests/rasa/test_graph_runner.py tests/rasa/test_inference.py)
ignored=()
for file in "${NEEDS_MODEL[@]}"; do ignored+=(--ignore "$file"); done

step "unit tests: action server environment (tests/unit, not slow) beside the Rasa environment (tests/rasa, not the model's)"
rasa_log=$(mktemp)
trap 'rm -f "$rasa_log"' EXIT
.venv/rasa/bin/python -m pytest -q tests/rasa -p no:cacheprovider --disable-warnings "${ignored[@]}" >"$rasa_log" 2>&1 &
rasa_tests=$!
status=0
.venv/actions/bin/python -m pytest -q tests/unit -p no:cacheprovider -m "not slow" || status=1
wait "$rasa_tests" || status=1
step "unit tests: Rasa environment"
cat "$rasa_log"

step "make check: $((SECONDS - started)) s ($([ $status = 0 ] && echo passed || echo FAILED))"
exit $status
