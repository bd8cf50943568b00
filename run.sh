#!/usr/bin/env bash
# Runs ChatBot on this machine: builds the web app, starts the API + web app on http://127.0.0.1:5080 and prints the URL.
# Local mode needs no AWS account: an embedded open-source model (LLamaSharp), SQLite in .data/, an in-process cache.
#   PORT=8080 ./run.sh                                              another port
#   Llm__LlamaSharp__ModelPath=models/my-model.gguf ./run.sh        a GGUF you already have (otherwise one is downloaded once)
# Relative paths in settings (Llm__LlamaSharp__ModelPath, Storage__Sqlite__Path, ...) are relative to the directory you run this from.
set -euo pipefail
caller="$PWD"
cd "$(dirname "$0")"
root="$PWD"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
port="${PORT:-5080}"

if [ ! -d frontend/node_modules ]; then
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd frontend && npm run build --silent)

dotnet build src/ChatBot.Api -c Release --nologo -v quiet
app="$(dotnet msbuild src/ChatBot.Api -p:Configuration=Release -getProperty:TargetPath)"
export Web__Root="$root/frontend/dist"
export Storage__Sqlite__Path="${Storage__Sqlite__Path:-$root/.data/chatbot.db}"

# The app runs in the caller's directory, so relative paths mean what they meant there; its own settings files are
# found through the content root.
cd "$caller"
exec dotnet "$app" --contentRoot "$(dirname "$app")" --urls "http://127.0.0.1:${port}" "$@"
