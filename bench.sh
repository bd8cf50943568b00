#!/usr/bin/env bash
# Runs the benchmarks and writes docs/benchmarks.md. Options, passed through to bench/ChatBot.Bench:
#   --quick                 a few repetitions, no publish, no file written (what the smoke test runs)
#   --model path.gguf       also measure streaming with a real GGUF model (the generated test model is always measured)
#   --lambda-model path.gguf  also time loading a real GGUF (the in-Lambda model estimate)
#   --llama-server          also compare with llama.cpp's own llama-server: built from source once (about 9 minutes on
#                           2 cores; needs cmake and g++) by bench/build-llama-server.sh, cached under ~/.cache/chatbot-bench
#   --output path.md        write the report elsewhere
#   --only a,b              only some sections: model, streaming, coldstart, datastore, load, concurrency, sizes
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# dynalite and redis-server for the datastore and load sections; the built web app for its size.
bash tests/setup-local-servers.sh
(cd frontend && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } && npm run build >/dev/null)

dotnet run -c Release --project bench/ChatBot.Bench -- "$@"
