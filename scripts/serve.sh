#!/usr/bin/env bash
# Builds the web app and serves it on http://127.0.0.1:8080 (PORT to change), installing the
# wasm target, Trunk and wasm-bindgen-cli first when missing. Nothing is downloaded at build
# time; models are downloaded by the page itself, from the Hub into the browser.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh web
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cmdai/target}"
PORT="${PORT:-8080}"
trunk build
echo "cmdai is at http://127.0.0.1:$PORT/ (Ctrl+C to stop)"
exec trunk serve --offline --no-autoreload --address 127.0.0.1 --port "$PORT"
