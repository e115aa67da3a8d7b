#!/usr/bin/env bash
# Set up (if needed) and start the bot: action server on :5055, Rasa with the REST
# channel on :5005. Ctrl-C stops both. Chat in the terminal with scripts/chat.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# SKIP_SETUP=1 starts from what set-up built (the benchmark times this as cold start).
[ "${SKIP_SETUP:-0}" = 1 ] || bash scripts/setup.sh
source scripts/env.sh

.venv/actions/bin/python -m rasa_sdk --actions actions --port "$ACTION_PORT" &
ACTIONS_PID=$!
trap 'kill $ACTIONS_PID 2>/dev/null || true' EXIT INT TERM
echo "[start] action server on :$ACTION_PORT (pid $ACTIONS_PID); Rasa on :$RASA_PORT" >&2
.venv/rasa/bin/python -m bot.serve run --enable-api --cors "*" --port "$RASA_PORT" \
  --model "$(.venv/rasa/bin/python -c 'from bot.train_if_changed import current_model; print(current_model())')" \
  --credentials credentials.yml --endpoints endpoints.yml --log-file "$LOG_DIR/rasa.log"
