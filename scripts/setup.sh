#!/usr/bin/env bash
# Installs what building and testing cmdai needs on a fresh Debian machine with rustup:
# the wasm target, Trunk and wasm-bindgen-cli (the version in Cargo.lock), Vulkan on the CPU
# (Mesa lavapipe) for the GPU tests, Chromium and Node's test driver for the browser tests,
# bubblewrap for the command-accuracy sandbox (scripts/eval-commands.sh), and the test models.
# Safe to run again: each step is skipped when already done.
# `scripts/setup.sh web` installs only what building the web app needs.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE="${1:-all}"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
# The format and lint gate of scripts/test.sh.
for component in rustfmt clippy; do
  rustup component list --installed | grep -q "^$component" || rustup component add "$component"
done

# Trunk 0.22 needs a newer Rust than this project's 1.95; 0.21.14 is the last that builds.
TRUNK_VERSION=0.21.14
if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi
# wasm-bindgen's CLI must match the library version the app links.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  # Not --locked: one of its pinned dependencies is missing from some registry mirrors.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

[ "$MODE" = web ] && exit 0

need_pkgs=()
for pkg in mesa-vulkan-drivers libvulkan1 chromium chromium-driver bubblewrap nodejs npm; do
  # Node may come from elsewhere (nvm, NodeSource); only install Debian's when there is none.
  if [ "$pkg" = nodejs ] || [ "$pkg" = npm ]; then
    command -v "${pkg/nodejs/node}" >/dev/null && continue
  fi
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_pkgs+=("$pkg")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

# The browser tests' driver (playwright-core, which uses the system Chromium).
if [ ! -d tests/e2e/node_modules/playwright-core ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi

# shellcheck disable=SC2086  # a space-separated list of models
scripts/fetch-test-models.sh ${CMDAI_SETUP_MODELS:-smollm2 qwen05}
