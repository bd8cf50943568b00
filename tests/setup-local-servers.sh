#!/usr/bin/env bash
# Installs what the adapter tests start on a fresh Debian/Ubuntu machine: redis-server (apt), and dynalite and s3rver
# (npm ci in tests/tools, pinned by its package-lock.json). Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v redis-server >/dev/null 2>&1; then
  echo "Installing redis-server..."
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq redis-server >/dev/null
  # The package starts a system-wide server on port 6379; the tests start their own and do not need it.
  if command -v systemctl >/dev/null 2>&1; then $sudo_cmd systemctl disable --now redis-server >/dev/null 2>&1 || true; fi
fi

if ! command -v node >/dev/null 2>&1; then
  echo "node is missing: install Node.js 20 or later (the DynamoDB emulator dynalite and the S3 server s3rver run on it)." >&2
  exit 1
fi

if [ ! -f tools/node_modules/dynalite/cli.js ] || [ ! -f tools/node_modules/s3rver/bin/s3rver.js ] \
   || [ tools/package-lock.json -nt tools/node_modules/.package-lock.json ]; then
  echo "Installing dynalite and s3rver into tests/tools..."
  (cd tools && npm ci --no-audit --no-fund --loglevel=error)
fi
