#!/usr/bin/env bash
# Fuzzes every parser of bytes cmdai did not write (fuzz/fuzz_targets/: GGUF and safetensors
# headers, config.json, tokenizer.json, chat templates, the model's answers, Markdown, Hub JSON,
# shell text) with libFuzzer through cargo-fuzz, starting from seed corpora made of real files.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   SECONDS for all targets together (default 60)
#
# A target fails on a panic, a single allocation over 256 MB (-malloc_limit_mb: nothing here
# may allocate far beyond its input), or an input that runs over 10 s (-timeout). The input
# that failed is left in $CMDAI_FUZZ_DIR/artifacts/TARGET; once fixed, commit it under
# fuzz/seeds/TARGET/ so every later run replays it. Prints executions per target.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.1
# cargo-fuzz needs a nightly compiler (sanitizers); the native build stays on stable.
TOOLCHAIN=nightly
rustup component list --toolchain "$TOOLCHAIN" --installed | grep -q '^rust-src' ||
  rustup component add rust-src --toolchain "$TOOLCHAIN"
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

SECONDS_IN_ALL="${1:-60}"
shift || true
ALL=(gguf_header safetensors_header model_config tokenizer_json chat_template suggestion markdown hub_json shell)
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL[@]}")
PER_TARGET=$(( SECONDS_IN_ALL / ${#TARGETS[@]} ))
[ "$PER_TARGET" -lt 1 ] && PER_TARGET=1

# Builds and corpora live outside the clone, so CI runs stay incremental.
export CARGO_TARGET_DIR="${CMDAI_FUZZ_TARGET_DIR:-$HOME/.cache/cmdai/fuzz-target}"
WORK="${CMDAI_FUZZ_DIR:-$HOME/.cache/cmdai/fuzz}"
MODELS="${CMDAI_TEST_MODELS:-$HOME/.cache/cmdai/test-models}"
echo "== fuzz: $(rustc +"$TOOLCHAIN" --version), cargo-fuzz $CARGO_FUZZ_VERSION, ${PER_TARGET}s per target"
(cd fuzz && cargo +"$TOOLCHAIN" fuzz build -O -a)

seed() { # target: the committed seeds plus seeds made from the real test files
  local target=$1 dir="$WORK/corpus/$1"
  mkdir -p "$dir" "$WORK/artifacts/$target"
  case "$target" in
    gguf_header)
      for model in "$MODELS"/*.gguf; do
        [ -f "$model" ] && head -c 65536 "$model" > "$dir/$(basename "$model").head"
      done ;;
    tokenizer_json) cp tests/corpus/tokenizer.json "$dir/" ;;
    shell)
      # One command a file, from the validator's corpora.
      # (sed rather than head: no early exit, so no broken pipe under pipefail)
      cut -f2- crates/safety/tests/corpus/dangerous.tsv crates/safety/tests/corpus/everyday.txt \
        crates/safety/tests/corpus/lookalikes.txt | grep -v '^#' | grep . | sed -n '1,400p' |
        split -l 1 - "$dir/corpus-" ;;
  esac
}

status=0
for target in "${TARGETS[@]}"; do
  seed "$target"
  log="$WORK/$target.log"
  # The committed seeds are replayed every run; new finds go to the working corpus.
  cp fuzz/seeds/"$target"/* "$WORK/corpus/$target/" 2>/dev/null || true
  if (cd fuzz && cargo +"$TOOLCHAIN" fuzz run -O -a "$target" "$WORK/corpus/$target" -- \
      -max_total_time="$PER_TARGET" -timeout=10 -malloc_limit_mb=256 -rss_limit_mb=2048 \
      -artifact_prefix="$WORK/artifacts/$target/" -print_final_stats=1) > "$log" 2>&1; then
    result=ok
  else
    result=FAILED; status=1
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -20
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  echo "fuzz $target: $result, ${runs:-0} executions in ${PER_TARGET}s"
done
exit $status
