// Reference benchmark: llama.cpp's own wasm build (@wllama/wllama) in Debian's headless Chromium,
// on the same GGUF model as cmdai, CPU only. It is the yardstick our in-browser engine is compared
// to: same browser, same machine, same model, same kind of prompt.
//
// Measures, once per threading mode (single-thread: n_threads 1; multi-thread: one thread per
// core, which needs cross-origin isolation, so every file is served with COOP/COEP):
//   - load: fetching the model from 127.0.0.1 into a Blob, then wasm init + llama.cpp model load;
//   - prefill tokens/s on a ~400-token chat (system prompt + few-shot turns + request, like
//     cmdai's) and on a ~20-token chat, both rendered by the model's own chat template;
//   - decode tokens/s over 32 greedy tokens (temperature 0, EOS ignored), after each prompt.
// Token counts and rates are llama.cpp's own `timings` (llama-server's); medians of REPS runs
// after one warm-up. Prints a table, then one JSON object. On a busy machine the numbers mean
// little (multi-thread worst of all): check `host.loadavg_1m_before_after`.
// Note: llama.cpp's wasm build has no SIMD kernel for Q4_1 dot products (arch-fallback.h maps
// ggml_vec_dot_q4_1_q8_1 to the scalar generic one), so on this model it is not at its best.
//
//   node bench/wllama.mjs            (from tests/e2e; or `npm run bench:wllama`)
//   env: MODEL=path.gguf  REPS=3  MODES=single,multi  VERBOSE=1 (print the browser's console)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launch } from "../support/browser.mjs";
import { serveSite } from "../support/servers.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const MODEL = process.env.MODEL ?? path.join(os.homedir(), ".cache/cmdai/test-models/SmolLM2-135M-Instruct.Q4_1.gguf");
const REPS = Number(process.env.REPS ?? 3);
const N_PREDICT = 32;
const MODES = (process.env.MODES ?? "single,multi").split(",");
const WLLAMA = path.join(here, "../node_modules/@wllama/wllama");

const SYSTEM = `You turn a request into exactly ONE command for bash on Linux (Debian 12) with GNU coreutils, findutils, grep, sed and awk.
Rules:
- Give a single command line (pipes and && are fine), never alternatives or several steps.
- Prefer safe, non-destructive, portable commands; if the request is destructive, use the narrowest form.
- Only use options that exist in these tools and syntax that bash understands.
- Do not use sudo unless the task needs administrator rights.
- Answer with only a JSON object in exactly this form: {"cmd": "...", "explanation": "..."}
- The explanation is one line that explains each part of the command, for example: "find . → search here; -name '*.rs' → Rust files; -mtime -7 → changed in the last 7 days".`;
const EXAMPLES = [
  ["list the 5 largest files in this directory", "ls -lS | head -n 6", "ls -lS → long listing sorted by size; head -n 6 → header line plus the 5 largest"],
  ["find rust files changed in the last week", "find . -name '*.rs' -mtime -7", "find . → search here; -name '*.rs' → Rust files; -mtime -7 → changed in the last 7 days"],
];
const turn = (request) => `Current directory: /home/user/project\nRequest: ${request}`;
const longChat = [
  { role: "system", content: SYSTEM },
  ...EXAMPLES.flatMap(([request, cmd, explanation]) => [
    { role: "user", content: turn(request) },
    { role: "assistant", content: JSON.stringify({ cmd, explanation }) },
  ]),
  { role: "user", content: turn("delete all .tmp files older than 3 days under /var/tmp") },
];
const shortChat = [
  { role: "system", content: "Answer with one bash command." },
  { role: "user", content: "show disk usage of each directory here" },
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

function summarize(mode, r) {
  const med = (runs, key) => round(median(runs.map((x) => x[key])));
  return {
    mode,
    multithread: r.info.multithread,
    threads: r.info.threads,
    cross_origin_isolated: r.info.crossOriginIsolated,
    load_ms: round(r.fetch_ms + r.init_load_ms, 0),
    fetch_ms: round(r.fetch_ms, 0),
    init_load_ms: round(r.init_load_ms, 0),
    prefill_long: { tokens: r.runs.long[0].prompt_n, tok_s: med(r.runs.long, "prompt_per_second"), ms: med(r.runs.long, "prompt_ms") },
    prefill_short: { tokens: r.runs.short[0].prompt_n, tok_s: med(r.runs.short, "prompt_per_second"), ms: med(r.runs.short, "prompt_ms") },
    decode_after_short: { tokens: r.runs.short[0].predicted_n, tok_s: med(r.runs.short, "predicted_per_second"), ms: med(r.runs.short, "predicted_ms") },
    decode_after_long: { tokens: r.runs.long[0].predicted_n, tok_s: med(r.runs.long, "predicted_per_second"), ms: med(r.runs.long, "predicted_ms") },
    all_runs: Object.fromEntries(Object.entries(r.runs).map(([k, runs]) => [k, runs.map((x) => ({
      prompt_n: x.prompt_n, prompt_ms: round(x.prompt_ms), predicted_n: x.predicted_n, predicted_ms: round(x.predicted_ms), wall_ms: round(x.wall_ms),
    }))])),
    sample_output: r.runs.long[0].text,
  };
}

// The page, wllama's files and the model, served together from one temporary directory.
const site = fs.mkdtempSync(path.join(os.tmpdir(), "cmdai-bench-"));
fs.symlinkSync(path.join(here, "page.html"), path.join(site, "index.html"));
fs.symlinkSync(path.join(WLLAMA, "esm"), path.join(site, "wllama"));
fs.symlinkSync(path.resolve(MODEL), path.join(site, "model.gguf"));
const server = await serveSite(site, { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" });
const browser = await launch();
const loadavg = [os.loadavg()];
const results = [];
let userAgent = null;
try {
  for (const mode of MODES) {
    const page = await browser.context.newPage();
    await page.goto(server.url + (process.env.VERBOSE ? "?verbose" : ""));
    await page.waitForFunction(() => window.benchReady);
    userAgent ??= await page.evaluate(() => navigator.userAgent);
    const nThreads = mode === "single" ? 1 : await page.evaluate(() => navigator.hardwareConcurrency);
    const r = await page.evaluate((o) => window.bench(o), { nThreads, reps: REPS, nPredict: N_PREDICT, longChat, shortChat });
    results.push({ ...summarize(`${mode}-thread`, r), llama_cpp: r.info.llamaCpp });
    await page.close();
  }
} catch (e) {
  console.error(browser.logs.join("\n"));
  throw e;
} finally {
  if (process.env.VERBOSE) console.error(browser.logs.join("\n"));
  loadavg.push(os.loadavg());
  await browser.close();
  await server.close();
  fs.rmSync(site, { recursive: true, force: true });
}

const report = {
  engine: "@wllama/wllama",
  wllama: JSON.parse(fs.readFileSync(path.join(WLLAMA, "package.json"), "utf8")).version,
  llama_cpp: results[0]?.llama_cpp,
  browser: userAgent,
  model: path.basename(MODEL),
  prompt_format: "chat messages rendered by the model's own chat template (llama.cpp jinja)",
  backend: "CPU (wasm SIMD, n_gpu_layers 0)",
  reps: REPS,
  host: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, loadavg_1m_before_after: loadavg.map((l) => round(l[0], 2)) },
  modes: results.map(({ llama_cpp, ...rest }) => rest),
};

console.table(Object.fromEntries(report.modes.map((m) => [m.mode, {
  threads: m.threads,
  "load ms": m.load_ms,
  [`prefill ${m.prefill_long.tokens} tok/s`]: m.prefill_long.tok_s,
  [`prefill ${m.prefill_short.tokens} tok/s`]: m.prefill_short.tok_s,
  [`decode ${m.decode_after_short.tokens} tok/s`]: m.decode_after_short.tok_s,
  [`decode after ${m.prefill_long.tokens} tok/s`]: m.decode_after_long.tok_s,
}])));
console.log(JSON.stringify(report, null, 2));
