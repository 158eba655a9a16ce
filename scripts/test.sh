#!/usr/bin/env bash
# Runs every test of cmdai: installs what is missing, then the Rust test suites (real models
# on the CPU and on Vulkan through Mesa's lavapipe) and the wasm build of the engine.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

# One target dir outside the clone keeps CI runs incremental.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cmdai/target}"

echo "== wasm32 build of the engine and web crate"
cargo build --locked -p cmdai-web --target wasm32-unknown-unknown

echo "== tests"
cargo test --locked --workspace -- --nocapture 2>&1 | tee "${TMPDIR:-/tmp}/cmdai-test.log"
