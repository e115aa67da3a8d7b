#!/usr/bin/env bash
# Chat with the running bot (started by scripts/start.sh) in the terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
exec .venv/rasa/bin/python -m bot.terminal_chat --url "http://localhost:$RASA_PORT/webhooks/rest/webhook"
