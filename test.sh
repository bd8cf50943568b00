#!/usr/bin/env bash
# Runs every test ChatBot has, on a fresh Debian machine with the .NET 10 SDK and Node 20:
# installs what the tests need (redis-server, chromium, npm packages), builds, then runs the web app's unit tests
# and every .NET test project (unit, contract, API, model backends, CDK + cdk-nag, browser end-to-end).
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

step() { printf '\n== %s\n' "$*"; }

step "Prerequisites"
bash scripts/install-prerequisites.sh

step "Web app: install, unit tests, build (with the size budget)"
(cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm test && npm run build)

step ".NET: build"
dotnet build ChatBot.sln -c Release --nologo -warnaserror -v quiet

step ".NET: tests"
log=$(mktemp)
set +e
dotnet test --solution ChatBot.sln -c Release --no-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line for the whole .NET run, summed over the projects' own summaries.
awk '/^[[:space:]]*succeeded:/{p+=$2} /^[[:space:]]*failed:/{f+=$2} /^[[:space:]]*skipped:/{s+=$2} END{printf "dotnet: %d passed, %d failed, %d skipped\n", p, f, s}' "$log"
rm -f "$log"
exit "$status"
