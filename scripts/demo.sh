#!/usr/bin/env bash
# Runs cmdai-native on a real model (Qwen2.5-Coder-0.5B-Instruct, fetched once) with a request.
# Usage: scripts/demo.sh "REQUEST" [extra cmdai-native generate options]
set -euo pipefail
cd "$(dirname "$0")/.."
CMDAI_SETUP_MODELS=qwen05 scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cmdai/target}"
models="${CMDAI_TEST_MODELS:-$HOME/.cache/cmdai/test-models}"
request="${1:-find rust files changed this week}"
shift || true
cargo run --locked --release -q -p cmdai-native -- generate \
  --model-file "$models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf" \
  --system "You are a shell expert. Answer with one bash command in a code block, then one short sentence explaining it." \
  "$@" "$request"
