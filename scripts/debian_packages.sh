#!/usr/bin/env bash
# Install the Debian packages given as arguments when their command is missing
# (name:command, or just name when the command has the package's name).
# Used by the test command (redis-server for the shared-state tests) and the scale-out
# start script. Needs root or sudo; without either it says what to install and fails.
set -euo pipefail
need=()
for spec in "$@"; do
  package=${spec%%:*} command=${spec#*:}
  command -v "$command" >/dev/null 2>&1 || need+=("$package")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "ERROR: install ${need[*]} (or run as root)" >&2; exit 1
fi
echo "installing ${need[*]} (apt-get)" >&2
$SUDO apt-get -o DPkg::Lock::Timeout=300 update -q >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -q "${need[@]}" >&2
