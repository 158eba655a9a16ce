#!/usr/bin/env bash
# Runs cmdai-native's main job on a real model: one command for REQUEST, judged for risk, run
# only if you agree. The model (Qwen2.5-Coder-1.5B-Instruct Q4_K_M, cmdai's default) is fetched
# once into the test-model cache, so no Hub access is needed.
# Usage: scripts/demo.sh "REQUEST" [extra cmdai-native options, e.g. -n 3 --explain --backend cpu]
set -euo pipefail
cd "$(dirname "$0")/.."
CMDAI_SETUP_MODELS=qwen15 scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cmdai/target}"
models="${CMDAI_TEST_MODELS:-$HOME/.cache/cmdai/test-models}"
request="${1:-find rust files changed this week}"
shift || true
# The dev profile is optimized too (see Cargo.toml) and shares its build with the tests.
cargo run --locked -q -p cmdai-native -- \
  --model "$models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf" "$@" "$request"
