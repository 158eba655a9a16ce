// Model discovery in a real browser: the curated catalog, Hugging Face search against the fake
// Hub (debounce, skeleton, stale answers, 429 fallback, recent queries), and the AI Model
// Advisor's three paths: keyword rules, the Hub router with a token, and SmolLM2 in the page.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { serveSite, fakeHub } from "./support/servers.mjs";
import { launch } from "./support/browser.mjs";
import { ARTIFACTS, DIST, MODELS, SMOL } from "./support/fixtures.mjs";

const SEARCH_INDEX = [
  { id: "HuggingFaceTB/SmolLM2-360M-Instruct-GGUF", downloads: 5200, likes: 40, lastModified: "2026-10-02T10:00:00.000Z", pipeline_tag: "text-generation", tags: ["gguf", "llama"], library_name: "gguf" },
  { id: "acme/smollm-vision", downloads: 12, likes: 1, lastModified: "2026-09-01T10:00:00.000Z", pipeline_tag: "image-text-to-text", tags: ["transformers"] },
  { id: "google-bert/bert-base-uncased", downloads: 90000, likes: 2000, lastModified: "2024-02-19T11:06:12.000Z", pipeline_tag: "fill-mask", tags: ["transformers", "bert"] },
  { id: "acme/tiny-chat-GGUF", downloads: 7, likes: 2, lastModified: "2026-11-20T08:00:00.000Z", pipeline_tag: "text-generation", tags: ["gguf", "llama"], library_name: "gguf" },
  { id: "acme/beta-model", downloads: 3, likes: 0, lastModified: "2025-01-01T00:00:00.000Z", pipeline_tag: "text-generation", tags: [] },
];

describe("model discovery in the browser", () => {
  let site, hub, browser, page;
  const shot = async (name) => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  };
  const searches = () => hub.requests.filter((r) => r.url.startsWith("/api/models?"));
  const heading = () => page.locator("#search-heading").innerText();
  const typeQuery = async (text) => {
    await page.fill("#model-search", "");
    await page.type("#model-search", text, { delay: 40 });
  };

  before(async () => {
    assert.ok(fs.existsSync(path.join(DIST, "index.html")), "build the site first: trunk build");
    site = await serveSite(DIST);
    const smol = { name: SMOL.name, path: path.join(MODELS, SMOL.name), sha256: SMOL.sha256 };
    hub = await fakeHub({ [SMOL.repo]: [smol], "acme/tiny-chat-GGUF": [smol] });
    hub.searchIndex = SEARCH_INDEX;
    browser = await launch();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${site.url}?hub=${encodeURIComponent(hub.url)}&router=${encodeURIComponent(`${hub.url}/v1`)}`);
    await page.click("#tab-models");
  });

  after(async () => {
    await browser?.close();
    await site?.close();
    await hub?.close();
  });

  test("the curated catalog says what runs here and why not", async () => {
    const card = (id) => page.locator(`#catalog .model-card[data-id="${id}"]`);
    assert.ok((await page.locator("#catalog .model-card").count()) >= 17);
    assert.equal(await card("HuggingFaceTB/SmolLM2-135M-Instruct").locator(".badge").innerText(), "RUNS HERE");
    assert.match(await card("LiquidAI/LFM2-350M").innerText(), /the lfm2 architecture is not supported/);
    assert.match(await card("LiquidAI/LFM2-Audio-1.5B").innerText(), /audio input is not supported/);
    assert.equal(await card("LiquidAI/LFM2-350M").locator("button[disabled]").innerText(), "Not runnable yet");
    // 1, 2 or 3 columns with the width.
    for (const [width, columns] of [[500, 1], [800, 2], [1200, 3]]) {
      await page.setViewportSize({ width, height: 900 });
      const n = await page.locator("#catalog").evaluate((el) => getComputedStyle(el).gridTemplateColumns.split(" ").length);
      assert.equal(n, columns, `${width}px wide`);
      if (width === 500) await shot("models-discover-phone");
    }
    await shot("models-discover");
  });

  test("search is debounced, shows a skeleton, then the results", async () => {
    hub.searchDelay = () => 1500;
    const before = searches().length;
    await typeQuery("smol");
    await page.waitForSelector('#search-results[data-state="loading"]');
    assert.equal(await page.locator("#search-results .skeleton").count(), 3);
    await shot("search-loading");
    await page.waitForSelector('#search-results[data-state="done"]');
    assert.equal(await heading(), "Search results for 'smol' (2)");
    const sent = searches().slice(before);
    assert.equal(sent.length, 1, `one request for four keystrokes: ${sent.map((r) => r.url)}`);
    assert.match(sent[0].url, /search=smol&limit=20/);
    const gguf = page.locator('#search-results .model-card[data-id="HuggingFaceTB/SmolLM2-360M-Instruct-GGUF"]');
    assert.match(await gguf.innerText(), /SmolLM2-360M-Instruct[\s\S]*↓ 5200[\s\S]*updated 2026-10-02/);
    assert.equal(await page.locator('#search-results .model-card[data-id="acme/smollm-vision"]').getAttribute("data-modality"), "vision");
    await shot("search-results");
  });

  test("a slow answer for an older query never replaces a newer one", async () => {
    hub.searchDelay = (q) => (q === "be" ? 2500 : 100);
    await typeQuery("be");
    await page.waitForTimeout(600); // the request for "be" is on its way
    await page.type("#model-search", "rt", { delay: 40 });
    await page.waitForFunction(() => document.querySelector("#search-heading")?.textContent.includes("'bert'"));
    await page.waitForTimeout(3000); // "be" has answered by now
    assert.equal(await heading(), "Search results for 'bert' (1)");
  });

  test("any Hub GGUF result lists its files and downloads one", async () => {
    hub.searchDelay = () => 0;
    await typeQuery("tiny");
    await page.waitForFunction(() => document.querySelector("#search-heading")?.textContent.includes("'tiny' (1)"));
    const card = page.locator('#search-results .model-card[data-id="acme/tiny-chat-GGUF"]');
    assert.match(await card.innerText(), /MIGHT RUN[\s\S]*GGUF files of a llama model/);
    await card.locator("button.list-files").click();
    const row = card.locator(`button.download-file[data-file="${SMOL.name}"]`);
    await row.waitFor();
    assert.match(await card.locator(".file-table").innerText(), /Q4_1\s+SmolLM2-135M-Instruct\.Q4_1\.gguf\s+98\.4 MB/);
    await shot("search-hub-files");
    await row.click();
    await page.waitForSelector(`li.model[data-id="acme/tiny-chat-GGUF/${SMOL.name}"] .badge.ok`, { timeout: 300_000 });
  });

  test("429 falls back to the catalog with a note; recent queries repeat instantly; clearing hides results", async () => {
    hub.searchDelay = () => 0;
    hub.searchFailures.push({ status: 429, headers: { "Retry-After": "30" } });
    await typeQuery("coder");
    await page.waitForSelector("#search-note");
    assert.equal(
      await page.locator("#search-note").innerText(),
      "Hugging Face is rate limiting searches (retry after 30 s); showing matches from the curated catalog instead.",
    );
    assert.equal(await heading(), "Search results for 'coder' (3)");
    await shot("search-fallback");
    // Retry-After is honoured: the next search within 30 s does not ask the Hub.
    const afterLimit = searches().length;
    await typeQuery("llama");
    await page.waitForFunction(() => document.querySelector("#search-heading")?.textContent.includes("'llama'"));
    assert.equal(searches().length, afterLimit, "no request while rate limited");
    assert.match(await page.locator("#search-note").innerText(), /rate limiting/);
    assert.equal(await heading(), "Search results for 'llama' (4)", "SmolLM2 x3 and Llama 3.2 are llama models");

    const before = searches().length;
    await page.fill("#model-search", "smol");
    await page.waitForFunction(() => document.querySelector("#search-heading")?.textContent.includes("'smol'"));
    await page.waitForTimeout(500);
    assert.equal(searches().length, before, "answered from the recent searches");

    await typeQuery("zzzz-nothing");
    await page.waitForSelector("#search-empty");
    await page.click("#search-clear");
    assert.equal(await page.locator("#search-results").count(), 0);
    assert.ok(await page.locator("#catalog").isVisible());
  });

  const advise = async (goal, source) => {
    if (await page.locator("#advisor-reset").count()) await page.click("#advisor-reset");
    await page.fill("#advisor-goal", goal);
    const started = Date.now();
    await page.click("#advisor-submit");
    await page.waitForSelector(`#advice[data-source="${source}"]`, { timeout: 600_000 });
    return Date.now() - started;
  };
  const recommended = () =>
    page.locator("#advisor .model-card").evaluateAll((cards) => cards.map((c) => ({ id: c.dataset.id, modality: c.dataset.modality, text: c.innerText })));

  test("advisor: keyword rules without a model or a token", async () => {
    await page.fill("#advisor-goal", "abc");
    assert.ok(await page.locator("#advisor-submit").isDisabled(), "under 5 characters");
    for (const [goal, keyword, kind, modality] of [
      ["I want to process audio from phone calls", "audio", "audio", "audio"],
      ["build a chatbot for mobile", "mobile", "small", "text"],
      ["describe photos from my camera", "photo", "vision", "vision"],
      ["turn English into shell commands", "shell", "coder", "text"],
    ]) {
      await advise(goal, "keywords");
      assert.equal(await page.locator("#advice-reasoning").innerText(), `Based on your goal mentioning '${keyword}', we recommend these ${kind} models.`);
      assert.match(await page.locator("#advice-note").innerText(), /^AI advisor unavailable — showing keyword-based suggestions/);
      const cards = await recommended();
      assert.ok(cards.length > 0 && cards.every((c) => c.modality === modality), `${goal}: ${JSON.stringify(cards)}`);
      if (kind === "coder") assert.ok(cards.every((c) => c.text.includes("Coder")));
    }
    await shot("advisor-keywords");
  });

  test("advisor: the Hub router with a saved token", async () => {
    await page.fill("#hub-token", "hf_test_token");
    await page.press("#hub-token", "Tab");
    hub.routerAnswers.push('{"recommendations": [{"modelId": "LiquidAI/LFM2-Audio-1.5B", "reason": "Speech in, text out."}, {"modelId": "made/up", "reason": "x"}]}');
    await advise("transcribe my phone calls", "router");
    const cards = await recommended();
    assert.deepEqual(cards.map((c) => c.id), ["LiquidAI/LFM2-Audio-1.5B"]);
    assert.match(await page.locator("#advice-reasoning").innerText(), /Speech in, text out\./);
    const call = hub.requests.find((r) => r.url === "/v1/chat/completions" && r.method === "POST");
    assert.equal(call.authorization, "Bearer hf_test_token");
    assert.equal(JSON.parse(call.body).messages[1].content, "transcribe my phone calls");
    // No answer queued: the router fails and the keyword rules answer, saying why.
    await advise("transcribe my phone calls", "keywords");
    assert.match(await page.locator("#advice-note").innerText(), /router: HTTP 503/);
    await page.fill("#hub-token", "");
    await page.press("#hub-token", "Tab");
  });

  test("advisor: SmolLM2 in this browser answers with catalog models", async () => {
    await page.selectOption("#backend-pref", "cpu");
    await page.click('#catalog .model-card[data-id="HuggingFaceTB/SmolLM2-135M-Instruct"] button.download');
    const modelId = `${SMOL.repo}/${SMOL.name}`;
    await page.click(`li.model[data-id="${modelId}"] button.load`, { timeout: 300_000 });
    await page.waitForSelector("#model-status.ready", { timeout: 300_000 });
    const ms = await advise("build a chatbot for mobile", "local");
    const cards = await recommended();
    assert.ok(cards.length >= 1 && cards.length <= 2, JSON.stringify(cards));
    assert.equal(await page.locator("#advice-note").count(), 0);
    await shot("advisor-local");
    // The catalog part of the prompt is kept: a second goal only processes its own words.
    const warm = await advise("turn English into shell commands", "local");
    const numbers = { local_advice_cold_ms: ms, local_advice_warm_ms: warm, recommended: cards.map((c) => c.id), second: (await recommended()).map((c) => c.id) };
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS, "discover-numbers.json"), JSON.stringify(numbers, null, 2));
    console.log("discover numbers:", JSON.stringify(numbers));
  });
});
