// cmdai in a real browser: the built site (dist/) in Debian's headless Chromium, WebGPU on
// SwiftShader, against a local fake Hub serving the real SmolLM2-135M GGUF file. The steps
// share one browser profile, like one user's visits: a full disk, download, resume, commands
// and chat on the CPU, the loaded model moved to WebGPU for a command, go offline, delete.
// SwiftShader runs WebGPU on the CPU cores, so the WebGPU command takes minutes; it reuses the
// prompt prefix the CPU computed and stored.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { serveSite, fakeHub } from "./support/servers.mjs";
import { launch } from "./support/browser.mjs";
import { ARTIFACTS, DIST, MODELS, SMOL } from "./support/fixtures.mjs";

const MODEL_ID = `${SMOL.repo}/${SMOL.name}`;
const RISKS = ["safe", "moderate", "high", "critical"];
// The settings value of a backend, and how the status panel names it.
const BACKEND_NAMES = { cpu: "cpu", gpu: "webgpu" };

describe("cmdai in the browser", () => {
  let site, hub, browser, page;

  const shot = async (name) => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  };
  const usage = () => page.evaluate(async () => (await navigator.storage.estimate()).usage);

  const openSettingsAndLoad = async (backend) => {
    await page.click("#tab-models");
    // A loaded model moves to the chosen backend by itself; otherwise it is loaded.
    const inUse = (await page.locator("#model-status.ready").count()) > 0;
    await page.selectOption("#backend-pref", backend);
    if (!inUse) await page.click(`li.model[data-id="${MODEL_ID}"] button.load`);
    const shown = BACKEND_NAMES[backend];
    await page.waitForFunction((b) => document.querySelector("#model-status.ready")?.textContent.endsWith(b), shown, { timeout: 300_000 }).catch(async (e) => {
      await shot(`load-${backend}-failed`);
      throw new Error(`${e.message}\n${await page.locator("#status-panel").innerText()}`);
    });
    await loaded(`load-${backend}`);
  };

  // A safe request on `backend`, as the status panel names it: a command with a known risk.
  const commandOn = async (backend, request) => {
    await openSettingsAndLoad(backend);
    const shown = BACKEND_NAMES[backend];
    assert.equal(await page.locator("#backend").innerText(), shown);
    const { command, risk } = await ask(request, `command-${shown}`);
    assert.ok(command.length > 0);
    assert.ok(RISKS.includes(risk), risk);
    await shot(`command-${shown}`);
  };

  // Speed, as a user sees it: printed at the end and saved with the screenshots.
  const numbers = {};
  const ask = async (request, label) => {
    await page.click("#tab-command");
    await page.fill("#request", request);
    const started = Date.now();
    await page.press("#request", "Enter");
    // Polled on a timer, not on animation frames: SwiftShader's WebGPU work delays frames.
    await page.waitForFunction(() => document.querySelector("#command-card, #command-error"), null, { timeout: 900_000, polling: 1000 });
    assert.equal(await page.locator("#command-error").count(), 0, await page.locator("main").innerText());
    numbers[label] = { enter_to_command_ms: Date.now() - started, speed: await page.locator("#speed").innerText() };
    const command = (await page.locator("#command").innerText()).trim();
    const risk = (await page.locator("#risk").innerText()).trim().toLowerCase();
    return { command, risk };
  };
  const loaded = async (label) => {
    numbers[label] = { load: await page.locator("#load-time").innerText() };
  };

  before(async () => {
    assert.ok(fs.existsSync(path.join(DIST, "index.html")), "build the site first: trunk build");
    const model = path.join(MODELS, SMOL.name);
    assert.ok(fs.existsSync(model), `missing test model ${model}: run scripts/fetch-test-models.sh`);
    site = await serveSite(DIST);
    hub = await fakeHub({ [SMOL.repo]: [{ name: SMOL.name, path: model, sha256: SMOL.sha256 }] });
    browser = await launch();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${site.url}?hub=${encodeURIComponent(hub.url)}`);
    // Offline use needs the service worker to have cached the app shell.
    await page.evaluate(() => navigator.serviceWorker.ready);
  });

  after(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS, "browser-console.log"), browser?.logs.join("\n") ?? "");
    numbers.worker = browser?.logs.filter((l) => /prompt prefix|tokens/.test(l)) ?? [];
    fs.writeFileSync(path.join(ARTIFACTS, "numbers.json"), JSON.stringify(numbers, null, 2));
    console.log("speed in the browser:", JSON.stringify(numbers, null, 2));
    await browser?.close();
    await site?.close();
    await hub?.close();
  });

  test("a full disk stops a download with a clear message and keeps a consistent entry", async () => {
    await page.waitForSelector("#default-models");
    await shot("models-empty");
    // Chromium's own quota, lowered through DevTools: room for about a third of the model.
    const cdp = await browser.context.newCDPSession(page);
    const origin = new URL(site.url).origin;
    await cdp.send("Storage.overrideQuotaForOrigin", { origin, quotaSize: (await usage()) + 40 * 1024 * 1024 });
    await page.click('[data-alias="smollm2-135m"] button.download');
    await page.waitForSelector(".notice", { timeout: 120_000 });
    assert.match(await page.locator(".notice").innerText(), /storage is full/);
    const entry = page.locator(`li.model[data-id="${MODEL_ID}"]`);
    assert.match(await entry.locator(".badge").first().innerText(), /^\d+% stored$/i, "the chunks that fit are kept, unverified");
    assert.equal(await entry.locator("button.load").count(), 0, "a partial model cannot be loaded");
    await shot("models-storage-full");

    await cdp.send("Storage.overrideQuotaForOrigin", { origin });
    await page.click(".notice button.link");
    await entry.locator("button.delete").click();
    await entry.waitFor({ state: "detached" });
  });

  test("downloads a model with progress into IndexedDB, resumes after a reload, verifies it", async () => {
    hub.rate = 6 * 1024 * 1024; // slow enough to reload mid-download
    await page.click('[data-alias="smollm2-135m"] button.download');
    await page.waitForFunction(() => {
      const bar = document.querySelector("li.model progress");
      return bar && bar.value > 0.3 * bar.max;
    });
    assert.match(await page.locator("li.model .progress-text").first().innerText(), /downloading .* of .*\/s/);
    await shot("models-downloading");

    const asked = hub.requests.length;
    await page.reload();
    hub.rate = 0;
    await page.waitForSelector(`li.model[data-id="${MODEL_ID}"] .badge.ok`, { timeout: 300_000 });
    const resumed = hub.requests.slice(asked).find((r) => r.url.includes("/resolve/"));
    assert.ok(resumed, "the download continued after the reload");
    assert.match(resumed.range ?? "", /^bytes=[1-9]\d*-$/, "it resumed with a Range request, not from the start");
    await shot("models-ready");
  });

  test("generates a command on the CPU fallback", async () => {
    await commandOn("cpu", "list all files in the current directory");
    assert.ok(await page.locator("#copy").isVisible());
    await page.setViewportSize({ width: 390, height: 844 });
    await shot("command-phone");
    await page.setViewportSize({ width: 1200, height: 900 });
  });

  test("a dangerous request gets its risk badge, and a critical command needs a confirmation", async () => {
    const { command, risk } = await ask("delete every file on the whole system starting from the root directory", "command-cpu-dangerous");
    assert.ok(["high", "critical"].includes(risk), `${command} was judged ${risk}`);
    if (risk === "critical") {
      assert.equal(await page.locator("#copy").count(), 0, "no copy button before the confirmation");
      assert.match(await page.locator("#command").getAttribute("class"), /struck/);
      await page.check("#confirm-critical");
      assert.ok(await page.locator("#copy").isVisible());
    }
    assert.ok((await page.locator("#risk-reason").innerText()).length > 0);
    await shot("command-dangerous");
  });

  test("chat streams an answer and Esc stops it", async () => {
    await page.click("#tab-chat");
    await page.fill("#chat-input", "Write a long story about a shell that could talk.");
    await page.press("#chat-input", "Enter");
    await page.waitForFunction(() => (document.querySelector("#chat-streaming")?.innerText ?? "").trim().length > 20, null, { timeout: 300_000 });
    await shot("chat-streaming");
    await page.keyboard.press("Escape");
    await page.waitForSelector("#chat-streaming", { state: "detached" });
    // The stopped answer is kept, and the model comes back for the next request.
    assert.equal(await page.locator(".msg.assistant").count(), 1);
    await page.waitForSelector("#model-status.ready", { timeout: 300_000 });
    await shot("chat");
  });

  test("generates a command on the WebGPU path", async () => {
    await commandOn("gpu", "show the current date");
  });

  test("after a reload with the network cut, the app still opens and generates", async () => {
    await page.click("#tab-models");
    await page.selectOption("#backend-pref", "cpu");
    await site.close();
    await hub.close();
    const reloaded = Date.now();
    await page.reload();
    // The last model loads again by itself, from IndexedDB.
    await page.waitForSelector("#model-status.ready", { timeout: 300_000 });
    numbers["offline-page-load-to-ready-ms"] = Date.now() - reloaded;
    const { command } = await ask("count the lines in README.md", "command-offline-cpu");
    assert.ok(command.length > 0);
    await shot("command-offline");
  });

  test("deleting a model frees its storage", async () => {
    await page.click("#tab-models");
    const before = await usage();
    await page.click(`li.model[data-id="${MODEL_ID}"] button.delete`);
    await page.waitForSelector(`li.model[data-id="${MODEL_ID}"]`, { state: "detached" });
    let after = await usage();
    for (let i = 0; i < 30 && before - after < 90e6; i++) {
      await page.waitForTimeout(1000);
      after = await usage();
    }
    assert.ok(before - after >= 90e6, `storage went from ${before} to ${after} bytes`);
    await shot("models-deleted");
  });
});
