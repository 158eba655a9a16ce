// Produces the llama.cpp golden reference files tests/golden/<model>.json with node-llama-cpp
// (llama.cpp's prebuilt CPU binaries from npm; nothing is downloaded or built at run time).
//
// Rerun everything (installs the pinned binding into ~/.cache/cmdai/refs/node, outside the repo):
//   scripts/golden/run.sh
// or, with the binding already installed there:
//   CMDAI_REFS_DIR=~/.cache/cmdai/refs/node node scripts/golden/make_references.mjs [smollm2|qwen05|qwen15 ...]
// Models are read from $CMDAI_TEST_MODELS (default ~/.cache/cmdai/test-models, see scripts/fetch-test-models.sh).
//
// What each file holds (all token ids are the model's vocabulary ids):
//   tokenize   : per corpus string (tests/corpus/tokenizer.json), ids without BOS/EOS, special tokens parsed
//   detokenize : per corpus string, the text of those ids with special tokens rendered as text
//   logits     : a raw prompt (no chat template), the evaluated ids, and the top-20 raw logits at every position
//                (sorted descending, rounded to 4 decimals) with the whole prompt in one batch; top20_single_token
//                holds the same positions evaluated one token per decode call (llama.cpp's CPU kernels differ
//                slightly between 1-token and multi-token batches; notes.* gives the size of that difference)
//   greedy     : chat prompts rendered with the GGUF's own tokenizer.chat_template (add_generation_prompt=true),
//                then 32 argmax tokens (no penalties, EOS does not stop generation); top1_top2_margins is the
//                logit gap at each step (small gaps are where another implementation may legitimately diverge),
//                first_eos_index the first EOS/EOT among the generated ids (null if none)
//   settings   : context/batch/threads used, the model's add_bos_token and special ids, the ggml CPU variant
import { createReadStream, readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { homedir } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");
const refsDir = process.env.CMDAI_REFS_DIR || join(homedir(), ".cache", "cmdai", "refs", "node");
const modelsDir = process.env.CMDAI_TEST_MODELS || join(homedir(), ".cache", "cmdai", "test-models");
process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = "true";

const req = createRequire(join(refsDir, "package.json"));
const load = async (name) => import(pathToFileURL(req.resolve(name)).href);
const { getLlama, LlamaLogLevel } = await load("node-llama-cpp");
const { Template } = await load("@huggingface/jinja");
const nlcVersion = JSON.parse(readFileSync(join(dirname(req.resolve("node-llama-cpp")), "..", "package.json"), "utf8")).version;

const MODELS = {
  smollm2: { file: "SmolLM2-135M-Instruct.Q4_1.gguf", out: "smollm2-135m.json" },
  qwen05: { file: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", out: "qwen2.5-coder-0.5b.json" },
  qwen15: { file: "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", out: "qwen2.5-coder-1.5b.json" },
};

const LOGITS_PROMPT =
  "The find command searches a directory tree for files that match an expression. " +
  "For example, find . -name '*.rs' -mtime -7 lists the Rust files changed during the last week, " +
  "and adding -exec wc -l {} + counts their lines. To see which folders use the most space, " +
  "run du -sh * | sort -h in the current directory. The grep tool prints lines matching a pattern; " +
  "with -r it walks directories, and with -n it shows line numbers next to each match.";

const SHELL_SYSTEM =
  "You are a shell command assistant. Reply with a single POSIX shell command that does what the user asks, and nothing else.";

const CHATS = [
  [{ role: "system", content: SHELL_SYSTEM }, { role: "user", content: "find rust files changed this week" }],
  [{ role: "system", content: SHELL_SYSTEM }, { role: "user", content: "show disk usage of the current directory sorted by size" }],
  [{ role: "system", content: SHELL_SYSTEM }, { role: "user", content: "count lines in all python files" }],
  [{ role: "system", content: SHELL_SYSTEM }, { role: "user", content: "compress the logs folder into logs.tar.gz" }],
  [{ role: "system", content: "You are a helpful programming assistant." }, { role: "user", content: "How do I reverse a string in Python?" }],
  [{ role: "system", content: "You are a helpful assistant. Answer in one short sentence." }, { role: "user", content: "What is the capital of France?" }],
  // no system message: the template's default system prompt is used
  [{ role: "user", content: "List the files in the current directory, including hidden ones." }],
  [{ role: "system", content: "You are a terse Linux expert. Output only the command, in a ```bash code block." }, { role: "user", content: "kill the process listening on port 8080" }],
];

const N_GEN = 32;
const TOP_K = 20;
const round4 = (x) => Math.round(x * 1e4) / 1e4;

async function sha256(path) {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk);
  return h.digest("hex");
}

function topLogits(out) {
  const m = out?.next?.logits;
  if (!m) throw new Error("no logits returned");
  const pairs = [...m.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, TOP_K);
  if (pairs.length !== TOP_K) throw new Error(`expected ${TOP_K} logits, got ${pairs.length}`);
  return pairs;
}

const wantTop = { generateNext: { logits: { filter: { tokens: [], includeTop: TOP_K } } } };

async function run(llama, key) {
  const spec = MODELS[key];
  const modelPath = join(modelsDir, spec.file);
  if (!existsSync(modelPath)) {
    console.error(`skip ${key}: ${modelPath} not found`);
    return;
  }
  console.error(`== ${spec.file}`);
  const model = await llama.loadModel({ modelPath, gpuLayers: 0, useMmap: true, useMlock: false });
  const md = model.fileInfo.metadata;
  const tok = md.tokenizer.ggml;
  const addBos = tok.add_bos_token === true; // absent or false: no BOS
  const bosIds = addBos ? [model.tokens.bos] : [];
  const tokenizeSpecial = (text) => model.tokenize(text, true);

  // --- tokenizer
  const corpus = JSON.parse(readFileSync(join(repo, "tests", "corpus", "tokenizer.json"), "utf8"));
  const tokenize = corpus.map((text) => ({ text, ids: tokenizeSpecial(text) }));
  const detokenize = tokenize.map(({ ids }) => ({ ids, text: model.detokenize(ids, true) }));
  const roundTripMismatches = detokenize.filter((d, i) => d.text !== corpus[i]).length;

  // which CPU variant of ggml the binding picked for this machine (results can differ slightly between variants)
  const cpuBackend = [...new Set(readFileSync("/proc/self/maps", "utf8").match(/libggml-cpu-[\w-]+(?=\.so)/g) ?? [])].join(",") || null;

  const context = await model.createContext({
    contextSize: 2048, batchSize: 512, threads: 2, sequences: 2, flashAttention: false,
  });
  const seq = context.getSequence();
  const seq1 = context.getSequence();

  // --- logits at every prompt position, evaluated as one batch
  const promptIds = [...bosIds, ...tokenizeSpecial(LOGITS_PROMPT)];
  if (promptIds.length < 64) throw new Error(`logits prompt too short: ${promptIds.length}`);
  const batched = await seq.controlledEvaluate(promptIds.map((t) => [t, wantTop]));
  const top20 = promptIds.map((_, i) => topLogits(batched[i]));
  // the same positions, one token per decode call, to report batch vs single-token agreement
  // (llama.cpp's CPU matmul takes a different path for a 1-token batch, so these differ slightly)
  let maxDiff = 0, argmaxAgree = 0;
  const top20Single = [];
  for (let i = 0; i < promptIds.length; i++) {
    const [single] = await seq1.controlledEvaluate([[promptIds[i], wantTop]]);
    const s = topLogits(single);
    top20Single.push(s);
    if (s[0][0] === top20[i][0][0]) argmaxAgree++;
    const sm = new Map(s);
    for (const [id, v] of top20[i]) if (sm.has(id)) maxDiff = Math.max(maxDiff, Math.abs(sm.get(id) - v));
  }
  await seq.clearHistory();
  await seq1.clearHistory();

  // --- greedy chat generation with the GGUF chat template
  const template = new Template(md.tokenizer.chat_template);
  const tokText = (id) => (id == null ? "" : model.detokenize([id], true));
  const greedy = [];
  for (const messages of CHATS) {
    const prompt = template.render({
      messages, add_generation_prompt: true,
      bos_token: tokText(model.tokens.bos), eos_token: tokText(model.tokens.eos),
    });
    const promptIds = [...bosIds, ...tokenizeSpecial(prompt)];
    await seq.clearHistory();
    const ids = [], margins = [];
    let input = promptIds.map((t, i) => (i === promptIds.length - 1 ? [t, wantTop] : t));
    while (ids.length < N_GEN) {
      const res = await seq.controlledEvaluate(input);
      const top = topLogits(res[input.length - 1]);
      const next = top[0][0]; // argmax; ties broken by lowest id
      ids.push(next);
      margins.push(round4(top[0][1] - top[1][1]));
      input = [[next, wantTop]];
    }
    const eos = ids.indexOf(model.tokens.eos);
    const eot = model.tokens.eot != null ? ids.indexOf(model.tokens.eot) : -1;
    greedy.push({
      messages, prompt, prompt_ids: promptIds, ids, text: model.detokenize(ids, true),
      top1_top2_margins: margins,
      first_eos_index: eos >= 0 ? eos : (eot >= 0 ? eot : null),
    });
    console.error(`  greedy: ${JSON.stringify(model.detokenize(ids, true))}`);
  }

  await context.dispose();
  const result = {
    model_file: spec.file,
    model_sha256: await sha256(modelPath),
    generator: `node-llama-cpp ${nlcVersion} (llama.cpp ${llama.llamaCppRelease.repo}@${llama.llamaCppRelease.release}, ${llama.buildType} CPU build)`,
    settings: {
      n_ctx: 2048, n_batch: 512, n_threads: 2, gpu: false, flash_attention: false,
      add_bos_token: tok.add_bos_token ?? null, add_eos_token: tok.add_eos_token ?? null,
      bos_id: model.tokens.bos ?? null, eos_id: model.tokens.eos ?? null, eot_id: model.tokens.eot ?? null,
      tokenizer_model: tok.model, tokenizer_pre: tok.pre ?? null,
      logits_rounding: 4, greedy_ties: "lowest id", cpu_backend: cpuBackend,
      logits_top20: "whole prompt in one batch", logits_top20_single_token: "one token per decode call",
      greedy_eval: "prompt in one batch, then one token per decode call",
    },
    notes: {
      detokenize_roundtrip_mismatches: roundTripMismatches,
      logits_batch_vs_single_max_abs_diff: round4(maxDiff),
      logits_batch_vs_single_argmax_agree: `${argmaxAgree}/${promptIds.length}`,
    },
    tokenize,
    detokenize,
    logits: {
      prompt: LOGITS_PROMPT, ids: promptIds,
      top20: top20.map((p) => p.map(([id, v]) => [id, round4(v)])),
      top20_single_token: top20Single.map((p) => p.map(([id, v]) => [id, round4(v)])),
    },
    greedy,
  };
  const outDir = join(repo, "tests", "golden");
  mkdirSync(outDir, { recursive: true });
  const outPath = join(outDir, spec.out);
  writeFileSync(outPath, JSON.stringify(result) + "\n");
  console.error(`  wrote ${outPath} (${(JSON.stringify(result).length / 1e6).toFixed(2)} MB), ` +
    `batch-vs-single max |diff| ${maxDiff.toExponential(2)}, argmax agree ${argmaxAgree}/${promptIds.length}, ` +
    `round-trip mismatches ${roundTripMismatches}`);
  await model.dispose();
}

const llama = await getLlama({
  gpu: false, build: "never", usePrebuiltBinaries: true, skipDownload: true,
  progressLogs: false, logLevel: LlamaLogLevel.warn, maxThreads: 2,
});
const keys = process.argv.slice(2).length ? process.argv.slice(2) : ["smollm2", "qwen05"];
for (const k of keys) {
  if (!MODELS[k]) throw new Error(`unknown model key ${k}; known: ${Object.keys(MODELS).join(", ")}`);
  await run(llama, k);
}
await llama.dispose();
