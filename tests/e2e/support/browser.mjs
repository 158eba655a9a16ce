// Debian's Chromium, headless, with WebGPU on SwiftShader and no traffic beyond 127.0.0.1.
import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

const FLAGS = [
  "--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-vulkan=swiftshader",
  "--use-webgpu-adapter=swiftshader", "--use-angle=swiftshader", "--ignore-gpu-blocklist",
  "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--no-first-run", "--disable-quic",
];

/** A browser with its own profile directory: IndexedDB and the service worker persist across
 * page reloads within one test run, like a real user's. */
export async function launch() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "cmdai-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1200, height: 900 },
  });
  context.setDefaultTimeout(120_000);
  const logs = [];
  context.on("console", (m) => logs.push(`[${m.type()}] ${m.text()}`));
  context.on("weberror", (e) => logs.push(`[pageerror] ${e.error()}`));
  return {
    context,
    logs,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
