#!/usr/bin/env bash
# Builds llama.cpp's own OpenAI-compatible server (llama-server), CPU only, once, for the bench's --llama-server
# baseline. The source is the copy of llama.cpp that ships inside the npm package node-llama-cpp (a git bundle), so
# npm is the only network access needed. The binary is cached outside the repository and its path is printed last.
#   bench/build-llama-server.sh            build if missing, print the binary's path
# Needs cmake and g++ (Debian: apt-get install cmake g++). About 9 minutes on 2 cores; runs under nice.
set -euo pipefail

NODE_LLAMA_CPP_VERSION="3.22.1"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/chatbot-bench"
PREFIX="$CACHE_ROOT/llama-server-node-llama-cpp-$NODE_LLAMA_CPP_VERSION"
BIN="$PREFIX/bin/llama-server"
JOBS="${LLAMA_BUILD_JOBS:-2}"

if [ -x "$BIN" ]; then
  echo "llama-server (cached): $BIN" >&2
  echo "$BIN"
  exit 0
fi

for tool in cmake g++ npm git; do
  command -v "$tool" >/dev/null || { echo "build-llama-server: '$tool' is missing (apt-get install cmake g++ git; npm comes with Node)" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "build-llama-server: fetching node-llama-cpp@$NODE_LLAMA_CPP_VERSION for its bundled llama.cpp source" >&2
(cd "$work" && npm pack "node-llama-cpp@$NODE_LLAMA_CPP_VERSION" --silent >/dev/null && tar xzf "node-llama-cpp-$NODE_LLAMA_CPP_VERSION.tgz")
git -c advice.detachedHead=false clone -q "$work/package/llama/gitRelease.bundle" "$work/llama.cpp"
commit="$(git -C "$work/llama.cpp" rev-parse HEAD)"
tag="$(sed -n 's/.*"tag": *"\([^"]*\)".*/\1/p' "$work/package/llama/llama.cpp.info.json")"

echo "build-llama-server: building llama-server (llama.cpp $tag, commit $commit) with -j$JOBS under nice; takes minutes" >&2
# CPU only, no HTTPS, no web UI download (no internet here), no tests or examples: only the server target.
nice -n 15 cmake -S "$work/llama.cpp" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
  -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
  -DBUILD_SHARED_LIBS=OFF >"$work/configure.log" 2>&1 || { tail -30 "$work/configure.log" >&2; exit 1; }
nice -n 15 cmake --build "$work/build" --target llama-server -j "$JOBS" >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; exit 1; }

mkdir -p "$PREFIX/bin"
printf 'node-llama-cpp %s\nllama.cpp tag %s\ncommit %s\n' "$NODE_LLAMA_CPP_VERSION" "$tag" "$commit" >"$PREFIX/VERSION"
cp "$work/build/bin/llama-server" "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
echo "llama-server (built): $BIN" >&2
echo "$BIN"
