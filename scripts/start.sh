#!/usr/bin/env bash
# Set up (if needed) and start the bot: action server on :5055, Rasa with the REST
# channel on :5005. Ctrl-C stops both. Chat in the terminal with scripts/chat.sh.
# RASA_STOCK=1 runs plain `rasa run` instead of Rasa with the serving patches.
set -euo pipefail
cd "$(dirname "$0")/.."
# SKIP_SETUP=1 starts from what set-up built (the benchmark times this as cold start).
[ "${SKIP_SETUP:-0}" = 1 ] || bash scripts/setup.sh
source scripts/env.sh
prepare_content  # the served copy of content/ and its index (scripts/env.sh)

# The Zalo OA channel joins the default channels only when its credentials are set
# (credentials.zalo.yml; the README lists the variables).
CREDENTIALS=credentials.yml
if [ -n "${ZALO_APP_ID:-}" ]; then
  CREDENTIALS="$(dirname "$TRACKER_DB")/credentials.with-zalo.yml"
  { cat credentials.yml; echo; cat credentials.zalo.yml; } > "$CREDENTIALS"
  export ZALO_ACCESS_TOKEN="${ZALO_ACCESS_TOKEN:-}"  # may be empty: the channel refreshes first
  export ZALO_TOKEN_FILE="${ZALO_TOKEN_FILE:-$(dirname "$TRACKER_DB")/zalo_tokens.json}"
  echo "[start] Zalo OA webhook on :$RASA_PORT/webhooks/zalo/webhook" >&2
fi

# On $ACTION_HOST (loopback), answering only requests with Rasa's $ACTION_SERVER_TOKEN.
.venv/actions/bin/python -m actions.serve --actions actions --port "$ACTION_PORT" &
ACTIONS_PID=$!
# Staff tools (FAQ editing, answer check, review queue): http://localhost:$ADMIN_PORT
# At a lower CPU priority: on a small server they would otherwise take CPU from Rasa's
# start, which citizens wait for (issue 18); staff pages are light once started.
nice -n "${STAFF_NICE:-10}" .venv/actions/bin/python -m staff.app >>"$LOG_DIR/staff.log" 2>&1 &
STAFF_PID=$!
trap 'kill $ACTIONS_PID $STAFF_PID 2>/dev/null || true' EXIT INT TERM
echo "[start] action server on :$ACTION_PORT (pid $ACTIONS_PID); staff app on :$ADMIN_PORT (pid $STAFF_PID); Rasa on :$RASA_PORT" >&2
echo "[start] web chat: http://localhost:$RASA_PORT/webhooks/web/" >&2
MODEL="$(.venv/rasa/bin/python -c 'from bot.train_if_changed import current_model; print(current_model())')"
if [ "${RASA_STOCK:-0}" = 1 ]; then
  # Plain `rasa run`, none of the serving patches (bot/patches; README, "Serving patches"),
  # to rule them out: same model, endpoints, credentials and channels. Rasa's HTTP API
  # (/model/parse, trackers) stays off, because plain `rasa run` takes its token only on
  # the command line, which `ps` shows to every user; the staff answer check then shows
  # no intent. One worker unless SANIC_WORKERS is set (scripts/env.sh).
  echo "[start] RASA_STOCK=1: plain rasa run without the serving patches ($SANIC_WORKERS worker(s), HTTP API off)" >&2
  .venv/rasa/bin/rasa run --cors "*" --port "$RASA_PORT" --model "$MODEL" \
    --credentials "$CREDENTIALS" --endpoints endpoints.yml --log-file "$LOG_DIR/rasa.log"
else
  # The serving patches (bot/patches), then Rasa. The API token is read by bot.serve from
  # $RASA_API_TOKEN_FILE, not passed here (ps shows arguments).
  .venv/rasa/bin/python -m bot.serve run --enable-api --cors "*" --port "$RASA_PORT" --model "$MODEL" \
    --credentials "$CREDENTIALS" --endpoints endpoints.yml --log-file "$LOG_DIR/rasa.log"
fi
