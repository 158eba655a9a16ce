#!/bin/sh
# Trunk post_build hook: writes the build's hash and file list into the service worker.
set -eu
dir="${TRUNK_STAGING_DIR:?run by trunk}"
cd "$dir"
files=$(find . -type f ! -name sw.js ! -name '*.map' | sed 's|^\./||' | sort)
version=$(cat $files | sha256sum | cut -c1-16)
list=$(printf '%s\n' $files | sed 's/.*/"&"/' | paste -sd, -)
sed -i "s|__BUILD_VERSION__|$version|; s|\"__APP_FILES__\"|$list|" sw.js
