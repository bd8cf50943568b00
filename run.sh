#!/usr/bin/env bash
# Runs ChatBot on this machine: builds the web app, starts the API + web app on http://127.0.0.1:5080 and prints the URL.
# Local mode needs no AWS account: an embedded open-source model (LLamaSharp), SQLite in .data/, an in-process cache.
#   PORT=8080 ./run.sh                                          another port
#   Llm__ModelPath=../shared/models/stories260K.gguf ./run.sh   a GGUF you already have (otherwise one is downloaded once)
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
port="${PORT:-5080}"

if [ ! -d frontend/node_modules ]; then
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd frontend && npm run build --silent)

dotnet build src/ChatBot.Api -c Release --nologo -v quiet
export Web__Root="$PWD/frontend/dist"
export Storage__Sqlite__Path="${Storage__Sqlite__Path:-$PWD/.data/chatbot.db}"
exec dotnet run --project src/ChatBot.Api -c Release --no-build --no-launch-profile -- --urls "http://127.0.0.1:${port}" "$@"
