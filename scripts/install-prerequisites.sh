#!/usr/bin/env bash
# Installs what the tests need and a fresh machine lacks. Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# redis-server (apt), the DynamoDB emulator dynalite and the S3 server s3rver (npm), for the adapter and API tests.
bash tests/setup-local-servers.sh

# Debian's chromium (apt), which the browser end-to-end tests drive through Playwright: Playwright's own browser
# download needs the internet and a glibc build it supports, the distribution's package needs neither.
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing chromium..."
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi

# cdk-nag (npm), run over the synthesized templates by the infrastructure tests.
if [ ! -d infra/nag/node_modules ] || [ infra/nag/package-lock.json -nt infra/nag/node_modules/.package-lock.json ]; then
  (cd infra/nag && npm ci --no-audit --no-fund --loglevel=error)
fi
