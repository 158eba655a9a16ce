#!/usr/bin/env bash
# Runs every test of cmdai: installs what is missing, checks formatting and lints, then the Rust
# test suites (real and random models on the CPU and on Vulkan through Mesa's lavapipe), the web
# app's build, and the browser tests (headless Chromium with WebGPU on SwiftShader against a
# local fake Hub).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

# One target dir outside the clone keeps CI runs incremental.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cmdai/target}"

echo "== format and lints (native and wasm32)"
cargo fmt --all -- --check
cargo clippy --locked --workspace --all-targets -- -D warnings
# The browser build: the page and worker with their tests, and every library they link.
cargo clippy --locked --target wasm32-unknown-unknown -p cmdai-web --all-targets -- -D warnings
cargo clippy --locked --target wasm32-unknown-unknown --lib \
  -p cmdai-web -p cmdai-engine -p cmdai-workbench -p cmdai-hub -p cmdai-safety -p cmdai-test-support -- -D warnings

echo "== crate boundaries"
# The validator and the Hub protocol stay free of the model stack; the runtime knows no product.
for crate in cmdai-safety cmdai-hub; do
  if cargo tree --locked -p "$crate" -e normal --prefix none | grep -E '^(burn|tokenizers|cubecl|wgpu|cmdai-engine) '; then
    echo "$crate must not depend on the model stack" >&2; exit 1
  fi
done
if cargo tree --locked -p cmdai-engine -e normal --prefix none | grep -E '^cmdai-(safety|hub|workbench) '; then
  echo "cmdai-engine must not depend on the product crates" >&2; exit 1
fi

echo "== web app (trunk build)"
trunk build

echo "== tests"
cargo test --locked --workspace -- --nocapture 2>&1 | tee "${TMPDIR:-/tmp}/cmdai-test.log"

echo "== command-accuracy harness (a slice of tests/commands; the full run is scripts/eval-commands.sh)"
slice="${TMPDIR:-/tmp}/cmdai-dev-slice.jsonl"
awk '(NR - 1) % 25 == 0' tests/commands/dev.jsonl >"$slice"
python3 scripts/eval/check.py selftest --tasks "$slice"
scripts/eval-commands.sh smollm2 --subset 25

echo "== fuzzing every parser of untrusted bytes (a minute in all; scripts/fuzz.sh 3600 for a long run)"
scripts/fuzz.sh 60

echo "== browser pieces (wasm-bindgen-test in headless Chromium, WebGPU on SwiftShader)"
# The runner's server hands out files below the crate: the test model goes there.
models="${CMDAI_TEST_MODELS:-$HOME/.cache/cmdai/test-models}"
mkdir -p crates/web/tests/fixtures
ln -f "$models/SmolLM2-135M-Instruct.Q4_1.gguf" crates/web/tests/fixtures/ 2>/dev/null ||
  cp "$models/SmolLM2-135M-Instruct.Q4_1.gguf" crates/web/tests/fixtures/
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner CHROMEDRIVER=/usr/bin/chromedriver \
  WASM_BINDGEN_TEST_TIMEOUT=1800 \
  cargo test --locked --release -p cmdai-web --target wasm32-unknown-unknown --test browser -- --nocapture

echo "== the app in the browser"
(cd tests/e2e && npm test)
