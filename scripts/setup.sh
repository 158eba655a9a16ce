#!/usr/bin/env bash
# Installs what building and testing cmdai needs on a fresh Debian machine with rustup:
# the wasm target, Vulkan on the CPU (Mesa lavapipe) for the GPU tests, and the test models.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

need_pkgs=()
for pkg in mesa-vulkan-drivers libvulkan1; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_pkgs+=("$pkg")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

# shellcheck disable=SC2086  # a space-separated list of models
scripts/fetch-test-models.sh ${CMDAI_SETUP_MODELS:-smollm2 qwen05}
