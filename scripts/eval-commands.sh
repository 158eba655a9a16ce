#!/usr/bin/env bash
# Command accuracy on the dev set in tests/commands/: the model answers every request, then each
# answer and its reference command run in a bubblewrap sandbox over fresh copies of the same file
# tree and must print the same and leave the same files. Prints strict accuracy and time per task.
#
# Usage: scripts/eval-commands.sh [qwen15|qwen05|smollm2|FILE.gguf] [--baseline] [--subset N] [EVAL FLAGS...]
#   --baseline   the plain one-line prompt, greedy, first line of the reply (the number to beat)
#   --subset N   every Nth task only (the file is grouped by category, so all categories stay)
#   EVAL FLAGS   go to `cmdai-native eval`: --order explanation-first, --examples N, --no-context,
#                --entries, --syntax-retry, --votes N, --limit N
# Answers stop once the command line is complete (the explanation after it cannot change it).
# Results stay in ~/.cache/cmdai/eval/ (requests, predictions, a JSON report per run).
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL="${1:-qwen15}"
[ $# -gt 0 ] && shift
case "$MODEL" in
  smollm2) FILE=SmolLM2-135M-Instruct.Q4_1.gguf ;;
  qwen05) FILE=qwen2.5-coder-0.5b-instruct-q4_k_m.gguf ;;
  qwen15) FILE=qwen2.5-coder-1.5b-instruct-q4_k_m.gguf ;;
  *) FILE="" ;;
esac
if [ -n "$FILE" ]; then
  scripts/fetch-test-models.sh "$MODEL"
  MODEL_FILE="${CMDAI_TEST_MODELS:-$HOME/.cache/cmdai/test-models}/$FILE"
else
  MODEL_FILE="$MODEL"
fi
[ -f "$MODEL_FILE" ] || { echo "no model file $MODEL_FILE" >&2; exit 2; }
command -v bwrap >/dev/null || { echo "bubblewrap (bwrap) is missing; scripts/setup.sh installs it" >&2; exit 2; }

PROMPT=cmdai
SUBSET=1
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --baseline) PROMPT=plain ;;
    --subset) SUBSET="$2"; shift ;;
    *) ARGS+=("$1") ;;
  esac
  shift
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cmdai/target}"
# The dev profile is optimized (opt-level 3) and shared with the tests, so nothing extra is built.
# CMDAI_EVAL_BIN names a binary built before (to keep measuring one build while editing).
BIN="${CMDAI_EVAL_BIN:-$CARGO_TARGET_DIR/debug/cmdai-native}"
[ -n "${CMDAI_EVAL_BIN:-}" ] || cargo build --locked --quiet -p cmdai-native

LABEL="$(basename "$MODEL_FILE" .gguf)-$PROMPT-subset$SUBSET$(printf '%s' "${ARGS[*]:-}" | tr -c 'a-zA-Z0-9' '_')"
RUN="$HOME/.cache/cmdai/eval/$(date +%Y%m%d-%H%M%S)-$LABEL"
mkdir -p "$RUN"
TASKS="$RUN/tasks.jsonl"
awk -v n="$SUBSET" '(NR - 1) % n == 0' tests/commands/dev.jsonl >"$TASKS"
[ "$PROMPT" = cmdai ] && ARGS+=(--command-only)

python3 scripts/eval/check.py requests --tasks "$TASKS" --out "$RUN/requests.jsonl"
# A private prompt cache: the first request pays for the fixed prefix, as a first use does.
CMDAI_CACHE_DIR="$RUN/cache" "$BIN" eval --model-file "$MODEL_FILE" --backend cpu --prompt "$PROMPT" \
  --requests "$RUN/requests.jsonl" --out "$RUN/predictions.jsonl" ${ARGS[@]+"${ARGS[@]}"}
python3 scripts/eval/check.py score --tasks "$TASKS" --predictions "$RUN/predictions.jsonl" --report "$RUN/report.json"
python3 - "$RUN/predictions.jsonl" "$MODEL_FILE" "$PROMPT ${ARGS[*]:-}" <<'PY'
import json, re, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
seconds = sorted(r["seconds"] for r in rows)
# The derailment the answer layout removed: a find -exec that lost its terminator.
exec_action = re.compile(r"-(exec|execdir|ok|okdir)\b")
terminated = re.compile(r"(\\;|';'|\";\"|\{\}\s+\+)")
broken = [r["cmd"] for r in rows if exec_action.search(r["cmd"]) and not terminated.search(r["cmd"])]
retried = sum(1 for r in rows if r.get("first_cmd") is not None)
print(f"broken find -exec: {len(broken)}" + "".join(f"\n  {c}" for c in broken))
print(f"syntax regenerations: {retried}")
# The first request also computes the prompt's fixed prefix; the median is the warm cost.
print(f"time per task: mean {statistics.mean(seconds):.2f} s, median {statistics.median(seconds):.2f} s "
      f"({len(rows)} tasks; model {sys.argv[2].rsplit('/', 1)[-1]}; prompt {sys.argv[3].strip()})")
PY
echo "results: $RUN"
