# Shared settings for the start, chat and test scripts (sourced, not run).
# Every value can be overridden from the environment.
export RASA_PORT="${RASA_PORT:-5005}"
export ACTION_PORT="${ACTION_PORT:-5055}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://localhost:$ACTION_PORT/webhook}"
export LOG_DIR="${LOG_DIR:-$PWD/.cache/logs}"
export TRACKER_DB="${TRACKER_DB:-$PWD/.cache/conversations.db}"
export LOCK_DB="${LOCK_DB:-$(dirname "$TRACKER_DB")/locks.db}"
# Rasa worker processes: Rasa spends its time in Python on one core, so two use both
# (they share locks and conversations through SQLite files; see bot/lock_store.py).
export SANIC_WORKERS="${SANIC_WORKERS:-2}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
export TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
mkdir -p "$LOG_DIR" "$(dirname "$TRACKER_DB")"
