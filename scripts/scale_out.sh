#!/usr/bin/env bash
# The bot scaled out as it would run on several machines, here all on loopback:
# PostgreSQL tracker store, Redis lock store, one Rasa server per port in RASA_PORTS
# and one action server per port in ACTION_PORTS, nginx in front of both. Installs the Debian
# packages when missing (idempotent), keeps its data in SCALE_DIR and PG_DATA, and
# stops everything on Ctrl-C or when any server exits. Citizens' REST channel:
#   http://127.0.0.1:$PUBLIC_PORT/webhooks/rest/webhook
# Every setting below can be overridden from the environment; credentials come from
# PG_PASSWORD and REDIS_PASSWORD, or are generated once into $SCALE_DIR/secrets.env.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${SKIP_SETUP:-0}" = 1 ] || bash scripts/setup.sh
SCALE_DIR="${SCALE_DIR:-$PWD/.cache/scale-out}"
# This deployment's Rasa API token (0600 file, read by bot.serve; never on a command line).
export RASA_API_TOKEN_FILE="${RASA_API_TOKEN_FILE:-$SCALE_DIR/rasa_api_token}"
# The token Rasa instances send to the action servers (set it to share it across machines).
export ACTION_SERVER_TOKEN_FILE="${ACTION_SERVER_TOKEN_FILE:-$SCALE_DIR/action_server_token}"
source scripts/env.sh  # umask 077: logs, secrets and state for this user only
prepare_content  # the served copy of content/ (CONTENT_DIR) and its index
log() { printf '\033[1m[scale-out]\033[0m %s\n' "$*" >&2; }

PUBLIC_PORT="${PUBLIC_PORT:-8080}"             # nginx -> Rasa instances (the REST channel)
ACTION_PROXY_PORT="${ACTION_PROXY_PORT:-5150}" # nginx -> action servers (Rasa's action endpoint)
RASA_PORTS="${RASA_PORTS:-5105 5106}"            # one Rasa instance per port
ACTION_PORTS="${ACTION_PORTS:-5155 5156}"        # one action server per port
RASA_WORKERS="${RASA_WORKERS:-1}"               # Sanic workers per Rasa instance (one "machine" each)
export PG_HOST=127.0.0.1 PG_PORT="${PG_PORT:-5433}" PG_DB="${PG_DB:-rasa}" PG_USER="${PG_USER:-rasa}"
PG_DATA="${PG_DATA:-/var/lib/postgresql/rasa-scale-out-$PG_PORT}"
export REDIS_HOST=127.0.0.1 REDIS_PORT="${REDIS_PORT:-6380}"
export ACTION_ENDPOINT_URL="http://127.0.0.1:$ACTION_PROXY_PORT/webhook"
export ACTION_HOST="${ACTION_HOST:-127.0.0.1}"  # action servers listen on loopback here; elsewhere they need the token
mkdir -p "$SCALE_DIR/logs" "$SCALE_DIR/redis" "$SCALE_DIR/nginx"
# nginx's workers run as nobody, who cannot enter the private SCALE_DIR: their buffers
# go to a folder of their own, removed on stop.
NGINX_TMP=$(mktemp -d "${TMPDIR:-/tmp}/scale-out-nginx.XXXXXX")

# --- Debian packages (skipped when present) -----------------------------------
# PostgreSQL's server is not on PATH: it is present when its versioned folder exists.
pg_present=postgresql:/bin/true
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || pg_present=postgresql:postgres-is-missing
bash scripts/debian_packages.sh nginx curl redis-server "$pg_present"
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

# --- credentials ---------------------------------------------------------------
if [ -z "${PG_PASSWORD:-}" ] || [ -z "${REDIS_PASSWORD:-}" ]; then
  token() { .venv/actions/bin/python -c 'import secrets; print(secrets.token_hex(16))'; }
  [ -f "$SCALE_DIR/secrets.env" ] || \
    (umask 077; printf 'PG_PASSWORD=%s\nREDIS_PASSWORD=%s\n' "$(token)" "$(token)" > "$SCALE_DIR/secrets.env")
  given_pg="${PG_PASSWORD:-}" given_redis="${REDIS_PASSWORD:-}"
  source "$SCALE_DIR/secrets.env"
  PG_PASSWORD="${given_pg:-$PG_PASSWORD}" REDIS_PASSWORD="${given_redis:-$REDIS_PASSWORD}"
fi
export PG_PASSWORD REDIS_PASSWORD

# --- process supervision: everything started here stops together ----------------
PIDS=()
PG_PID=""
stop_all() {
  trap - EXIT INT TERM
  log "stopping"
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -n "$PG_PID" ] && kill -INT "$PG_PID" 2>/dev/null || true  # PostgreSQL fast shutdown
  wait 2>/dev/null || true
  rm -rf "$NGINX_TMP"
}
trap stop_all EXIT INT TERM
wait_for() {  # wait_for NAME COMMAND...: poll until the command succeeds (3 minutes at most)
  local name=$1; shift
  for _ in $(seq 1 360); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "ERROR: $name did not come up; logs in $SCALE_DIR/logs" >&2; exit 1
}
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

# --- PostgreSQL: its own cluster, TCP on loopback, socket in its data directory ----
if [ ! -f "$PG_DATA/PG_VERSION" ]; then
  log "creating a PostgreSQL cluster in $PG_DATA"
  mkdir -p "$PG_DATA"; chown postgres:postgres "$PG_DATA"; chmod 700 "$PG_DATA"
  as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$SCALE_DIR/logs/initdb.log"
fi
# synchronous_commit=off: a crash may lose the last fraction of a second of messages,
# never corrupt the store (as SQLite's synchronous=NORMAL in the single-machine mode).
# (setpriv itself, not the as_postgres function: $! must be PostgreSQL's pid, not a subshell's)
setpriv --reuid=postgres --regid=postgres --init-groups "$PG_BIN/postgres" -D "$PG_DATA" -p "$PG_PORT" \
  -k "$PG_DATA" -c listen_addresses=127.0.0.1 -c synchronous_commit=off >"$SCALE_DIR/logs/postgresql.log" 2>&1 &
PG_PID=$!
wait_for PostgreSQL "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"
as_postgres "$PG_BIN/psql" -h "$PG_DATA" -p "$PG_PORT" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 \
  -v user="$PG_USER" -v password="$PG_PASSWORD" -v db="$PG_DB" <<'SQL' >/dev/null
SELECT format('CREATE ROLE %I LOGIN', :'user') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user')\gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'user', :'password')\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\gexec
SQL

# --- Redis: locks and channel state (rate limits, Zalo options), nothing persisted
(umask 077; printf 'bind 127.0.0.1\nport %s\nrequirepass %s\nsave ""\nappendonly no\ndir %s\n' \
  "$REDIS_PORT" "$REDIS_PASSWORD" "$SCALE_DIR/redis" > "$SCALE_DIR/redis/redis.conf")
redis-server "$SCALE_DIR/redis/redis.conf" >"$SCALE_DIR/logs/redis.log" 2>&1 &
PIDS+=($!)
wait_for Redis env REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -p "$REDIS_PORT" ping

# --- action servers and Rasa instances -------------------------------------------
MODEL=$(.venv/rasa/bin/python -c 'from bot.train_if_changed import current_model; print(current_model())')
action_servers="" rasa_servers=""
for port in $ACTION_PORTS; do
  ACTION_SERVER_SANIC_WORKERS=1 .venv/actions/bin/python -m actions.serve --actions actions --port "$port" \
    >"$SCALE_DIR/logs/actions-$port.log" 2>&1 &
  PIDS+=($!)
  action_servers+="    server 127.0.0.1:$port;"$'\n'
done
for port in $RASA_PORTS; do
  SANIC_WORKERS="$RASA_WORKERS" CHANNEL_STATE_URL="redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT/2" \
    .venv/rasa/bin/python -m bot.serve run --enable-api \
    --interface 127.0.0.1 \
    --port "$port" --model "$MODEL" --credentials credentials.yml --endpoints deploy/endpoints.scale-out.yml \
    --log-file "$SCALE_DIR/logs/rasa-$port.log" >"$SCALE_DIR/logs/rasa-$port.out" 2>&1 &
  PIDS+=($!)
  rasa_servers+="    server 127.0.0.1:$port;"$'\n'
done

# --- nginx: citizens -> Rasa instances, Rasa -> action servers (round robin) -------
# Only the webhooks are public; each Rasa instance's API stays on its own loopback port.
# X-Served-By names the instance that answered (the scale-out test reads it).
mkdir -p "$NGINX_TMP"/{body,proxy,fastcgi,uwsgi,scgi}
chown -R nobody "$NGINX_TMP"
cat > "$SCALE_DIR/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $SCALE_DIR/nginx/nginx.pid;
error_log $SCALE_DIR/logs/nginx-error.log warn;
events { worker_connections 2048; }
http {
  access_log off;
  client_body_temp_path $NGINX_TMP/body;
  proxy_temp_path $NGINX_TMP/proxy;
  fastcgi_temp_path $NGINX_TMP/fastcgi;
  uwsgi_temp_path $NGINX_TMP/uwsgi;
  scgi_temp_path $NGINX_TMP/scgi;
  client_body_buffer_size 1m;
  client_max_body_size 4m;
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_read_timeout 120s;
  upstream rasa {
$rasa_servers    keepalive 64;
  }
  upstream actions {
$action_servers    keepalive 64;
  }
  server {
    listen 127.0.0.1:$PUBLIC_PORT;
    location /webhooks/ {
      proxy_pass http://rasa;
      add_header X-Served-By \$upstream_addr always;
    }
    location / { return 404; }
  }
  server {
    listen 127.0.0.1:$ACTION_PROXY_PORT;
    location / { proxy_pass http://actions; }
  }
}
EOF
nginx -c "$SCALE_DIR/nginx/nginx.conf" -p "$SCALE_DIR/nginx" &
PIDS+=($!)

for port in $RASA_PORTS; do
  wait_for "Rasa on :$port" curl -sf "http://127.0.0.1:$port/"
done
log "ready: http://127.0.0.1:$PUBLIC_PORT/webhooks/rest/webhook (Rasa on $RASA_PORTS; actions on $ACTION_PORTS)"
wait -n  # any server exiting stops the whole deployment
log "a server exited; see $SCALE_DIR/logs"
exit 1
