#!/usr/bin/env bash
# Regenerates tests/corpus/tokenizer.json and the llama.cpp golden files tests/golden/*.json.
# Usage: scripts/golden/run.sh [smollm2|qwen05|qwen15 ...]   (default: smollm2 qwen05)
# Needs node >= 20 and npm (the npm registry), and the GGUF models (scripts/fetch-test-models.sh).
# The binding (node-llama-cpp with llama.cpp's prebuilt CPU binaries) is installed per the pinned
# package-lock.json (npm install, not npm ci: npm drops other platforms' optional packages from the lock) into $CMDAI_REFS_DIR (default ~/.cache/cmdai/refs/node), outside the repo.
# Install scripts are skipped and NODE_LLAMA_CPP_SKIP_DOWNLOAD is set: nothing is downloaded or built.
# Takes about 10 minutes on 2 cores.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export CMDAI_REFS_DIR="${CMDAI_REFS_DIR:-$HOME/.cache/cmdai/refs/node}"
export NODE_LLAMA_CPP_SKIP_DOWNLOAD=true
mkdir -p "$CMDAI_REFS_DIR"
if ! cmp -s "$here/package-lock.json" "$CMDAI_REFS_DIR/package-lock.json" || [ ! -d "$CMDAI_REFS_DIR/node_modules/node-llama-cpp" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$CMDAI_REFS_DIR/"
  (cd "$CMDAI_REFS_DIR" && npm install --omit=optional --ignore-scripts --no-audit --no-fund)
fi
node "$here/make_corpus.mjs"
node "$here/make_references.mjs" "$@"
