# Shared settings for the start, chat and test scripts (sourced, not run).
# Every value can be overridden from the environment.
# Conversations, logs, locks and secrets are created for this user only (0700/0600).
umask 077
export RASA_PORT="${RASA_PORT:-5005}"
export ACTION_PORT="${ACTION_PORT:-5055}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:$ACTION_PORT/webhook}"
# The action server (python -m actions.serve) listens on loopback unless told otherwise.
export ACTION_HOST="${ACTION_HOST:-127.0.0.1}"
export ADMIN_PORT="${ADMIN_PORT:-5080}"  # staff tools (staff); accounts in .cache/staff
export RASA_URL="${RASA_URL:-http://localhost:$RASA_PORT}"  # the staff answer check asks Rasa for the intent
export LOG_DIR="${LOG_DIR:-$PWD/.cache/logs}"
export TRACKER_DB="${TRACKER_DB:-$PWD/.cache/conversations.db}"
export LOCK_DB="${LOCK_DB:-$(dirname "$TRACKER_DB")/locks.db}"
# The content the servers answer from and the staff app edits (FAQ, documents, figure
# tables, province settings): a copy of the repository's content/ outside git's view, so a
# staff edit never makes the checkout dirty and a git pull never conflicts with one
# (contentdir/__init__.py; README, "Content"). The tests set it to content/ itself.
export CONTENT_DIR="${CONTENT_DIR:-$(dirname "$TRACKER_DB")/content}"
# prepare_content: create the served copy on first start, take in what an upgrade changed in
# content/ (never over a staff edit), and build its search index when it changed.
prepare_content() {
  .venv/actions/bin/python -m contentdir sync
  .venv/actions/bin/python -m knowledge.build.index
}
# Server profile (issue 18; README, "A small provincial server"):
# - standard: two Rasa worker processes, one per core. They share conversations, locks
#   (bot/stores/lock_store.py) and what the channels remember per citizen (rate limit, Zalo
#   options and deliveries: bot/stores/shared_state.py) through SQLite files.
# - small: one Rasa process, for a 2 GB virtual server: about 400 MB less, and the
#   staff tools drop the search model after 2 idle minutes instead of 10; it costs
#   throughput (measured figures in the README).
export SERVER_PROFILE="${SERVER_PROFILE:-standard}"
# RASA_STOCK=1 (plain `rasa run`, scripts/start.sh): one worker unless SANIC_WORKERS is
# set, since stock Sanic workers stopped while loading the model go on running
# (bot/patches/workers_stop_with_server.py).
if [ "${RASA_STOCK:-0}" = 1 ]; then export SANIC_WORKERS="${SANIC_WORKERS:-1}"; fi
case "$SERVER_PROFILE" in
  standard) export SANIC_WORKERS="${SANIC_WORKERS:-2}" ;;
  small) export SANIC_WORKERS="${SANIC_WORKERS:-1}" STAFF_KNOWLEDGE_IDLE_SECONDS="${STAFF_KNOWLEDGE_IDLE_SECONDS:-120}" ;;
  *) echo "SERVER_PROFILE must be standard or small (got '$SERVER_PROFILE')" >&2; return 1 2>/dev/null || exit 1 ;;
esac
# The staff tools hold the search model only while staff use it (staff/app.py).
export STAFF_KNOWLEDGE_IDLE_SECONDS="${STAFF_KNOWLEDGE_IDLE_SECONDS:-600}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
export TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
mkdir -p "$LOG_DIR" "$(dirname "$TRACKER_DB")"
chmod 700 "$(dirname "$TRACKER_DB")" "$LOG_DIR" 2>/dev/null || true
# What set-up built there before this umask (models, caches) is private too.
chmod -R go-rwx "$(dirname "$TRACKER_DB")" 2>/dev/null || true
# Requests larger than this are refused by Rasa's web server (413); long messages are
# cut with a note by the channel (bot/channels/guard.py), not refused.
export SANIC_REQUEST_MAX_SIZE="${SANIC_REQUEST_MAX_SIZE:-262144}"
# Per-sender rate limit on every channel (messages per minute, and a burst allowance).
export RATE_LIMIT_PER_MINUTE="${RATE_LIMIT_PER_MINUTE:-20}" RATE_LIMIT_BURST="${RATE_LIMIT_BURST:-8}"
# Rasa's HTTP API (/model/parse, trackers) needs this token; the channels do not.
# It lives in a 0600 file that bot.serve and the staff tools read: never on a command
# line (ps shows those to every user) nor in the repository. Generated once per machine;
# a RASA_API_TOKEN given in the environment is written to the file instead.
export RASA_API_TOKEN_FILE="${RASA_API_TOKEN_FILE:-$(dirname "$TRACKER_DB")/rasa_api_token}"
mkdir -p "$(dirname "$RASA_API_TOKEN_FILE")"
if [ -n "${RASA_API_TOKEN:-}" ]; then
  (umask 077; printf '%s' "$RASA_API_TOKEN" > "$RASA_API_TOKEN_FILE")
elif [ ! -s "$RASA_API_TOKEN_FILE" ]; then
  (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$RASA_API_TOKEN_FILE")
fi
chmod 600 "$RASA_API_TOKEN_FILE"
unset RASA_API_TOKEN
# Rasa sends this token to the action server (X-Action-Token, endpoints.yml), which
# refuses requests without it. Generated once into a 0600 file when not given.
export ACTION_SERVER_TOKEN_FILE="${ACTION_SERVER_TOKEN_FILE:-$(dirname "$RASA_API_TOKEN_FILE")/action_server_token}"
if [ -z "${ACTION_SERVER_TOKEN:-}" ]; then
  [ -s "$ACTION_SERVER_TOKEN_FILE" ] || \
    (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$ACTION_SERVER_TOKEN_FILE")
  ACTION_SERVER_TOKEN=$(cat "$ACTION_SERVER_TOKEN_FILE")
fi
export ACTION_SERVER_TOKEN
