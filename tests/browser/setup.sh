#!/usr/bin/env bash
# Set-up for the browser test (idempotent): Debian's Chromium with fonts for Vietnamese
# text and emoji, and playwright-core from the lock file (npm ci, only when the lock
# file changed). Playwright drives /usr/bin/chromium; it downloads no browser of its own.
set -euo pipefail
cd "$(dirname "$0")"
log() { printf '\033[1m[browser setup]\033[0m %s\n' "$*" >&2; }

# poppler-utils: pdftoppm/pdftotext, to render and read the staff report PDF (test_staff_stats.py).
PACKAGES=(chromium fonts-dejavu-core fonts-noto-color-emoji poppler-utils)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  log "installing ${missing[*]} (apt-get)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ -x /usr/bin/chromium ] || { echo "ERROR: /usr/bin/chromium missing after install" >&2; exit 1; }

command -v npm >/dev/null || { echo "ERROR: the browser test needs Node.js 18+ and npm (apt-get install nodejs npm)" >&2; exit 1; }
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.installed ] || [ "$(cat node_modules/.installed)" != "$want" ]; then
  log "npm ci (playwright-core)"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > node_modules/.installed
fi
log "ready: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
