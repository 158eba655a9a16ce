// Local servers for the browser tests: the built site, and a fake Hugging Face Hub that
// serves real model files with the Hub's routes, CORS, Range requests and a speed limit.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";

const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".wasm": "application/wasm",
  ".css": "text/css", ".json": "application/json", ".webmanifest": "application/manifest+json",
  ".svg": "image/svg+xml", ".png": "image/png",
};

function listen(server) {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function closeAll(server) {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** Serves `dir` (the Trunk build) on 127.0.0.1, adding `headers` to every file's response. */
export async function serveSite(dir, headers = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    let file = path.join(dir, decodeURIComponent(url.pathname));
    if (!file.startsWith(dir)) return res.writeHead(403).end();
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    if (!fs.existsSync(file)) return res.writeHead(404).end("not found");
    res.writeHead(200, { "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream", "Cache-Control": "no-cache", ...headers });
    fs.createReadStream(file).pipe(res);
  });
  await listen(server);
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => closeAll(server) };
}

export function sha256File(file) {
  return new Promise((resolve, reject) => {
    const h = crypto.createHash("sha256");
    fs.createReadStream(file).on("data", (d) => h.update(d)).on("end", () => resolve(h.digest("hex"))).on("error", reject);
  });
}

/**
 * A fake Hub for `repos` ({ "org/name": [{ name, path, sha256 }] }). `hub.rate` limits bytes
 * per second of downloads (0 = unlimited); `hub.requests` records what the browser asked.
 * Search (`/api/models?search=`) answers from `hub.searchIndex` (ids containing the query)
 * after `hub.searchDelay(query)` ms, or with the queued `hub.searchFailures` ({ status, headers }).
 * The router (`POST /v1/chat/completions`) answers with the queued `hub.routerAnswers`, else 503.
 */
export async function fakeHub(repos) {
  const hub = { rate: 0, requests: [], searchIndex: [], searchDelay: () => 0, searchFailures: [], routerAnswers: [] };
  const cors = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "Range, Authorization, Content-Type",
    "Access-Control-Expose-Headers": "Content-Range, Content-Length, ETag, X-Linked-Etag, X-Linked-Size, X-Repo-Commit, X-Error-Code, X-Error-Message, Retry-After, RateLimit",
  };
  const server = http.createServer((req, res) => {
    const entry = { method: req.method, url: req.url, range: req.headers.range ?? null, authorization: req.headers.authorization ?? null, body: "" };
    hub.requests.push(entry);
    if (req.method === "OPTIONS") return res.writeHead(204, { ...cors, "Access-Control-Allow-Methods": "GET, HEAD, POST" }).end();
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/api/models") return search(url, res);
    if (url.pathname === "/v1/chat/completions" && req.method === "POST") {
      req.on("data", (d) => (entry.body += d));
      return req.on("end", () => {
        const content = hub.routerAnswers.shift();
        if (content === undefined) return res.writeHead(503, cors).end("no model");
        const answer = { id: "x", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }] };
        res.writeHead(200, { ...cors, "Content-Type": "application/json" }).end(JSON.stringify(answer));
      });
    }
    const info = url.pathname.match(/^\/api\/models\/([^/]+\/[^/]+)$/);
    if (info) {
      const files = repos[info[1]];
      if (!files) return res.writeHead(404, { ...cors, "X-Error-Code": "RepoNotFound" }).end("{}");
      const siblings = files.map((f) => {
        const size = fs.statSync(f.path).size;
        return { rfilename: f.name, size, lfs: { sha256: f.sha256, size } };
      });
      return res.writeHead(200, { ...cors, "Content-Type": "application/json" }).end(JSON.stringify({ id: info[1], sha: "0".repeat(40), siblings }));
    }
    const resolve = url.pathname.match(/^\/([^/]+\/[^/]+)\/resolve\/[^/]+\/(.+)$/);
    const file = resolve && (repos[resolve[1]] ?? []).find((f) => f.name === decodeURIComponent(resolve[2]));
    if (!file) return res.writeHead(404, { ...cors, "X-Error-Code": "EntryNotFound" }).end();
    const size = fs.statSync(file.path).size;
    let start = 0;
    let end = size - 1;
    let status = 200;
    const headers = { ...cors, "Content-Type": "application/octet-stream", "Accept-Ranges": "bytes", "X-Linked-Etag": `"${file.sha256}"`, "X-Linked-Size": String(size) };
    const range = req.headers.range?.match(/^bytes=(\d+)-(\d*)$/);
    if (range) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size) return res.writeHead(416, { ...headers, "Content-Range": `bytes */${size}` }).end();
      status = 206;
      headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
    }
    headers["Content-Length"] = String(end - start + 1);
    res.writeHead(status, headers);
    if (req.method === "HEAD") return res.end();
    const stream = fs.createReadStream(file.path, { start, end, highWaterMark: 256 * 1024 });
    if (!hub.rate) return stream.pipe(res);
    // Throttled: one 256 KiB piece at a time, paced to `hub.rate` bytes per second.
    stream.on("data", (piece) => {
      stream.pause();
      res.write(piece);
      setTimeout(() => stream.resume(), (piece.length / hub.rate) * 1000);
    });
    stream.on("end", () => res.end());
    res.on("close", () => stream.destroy());
  });
  function search(url, res) {
    const q = (url.searchParams.get("search") ?? "").toLowerCase();
    const failure = hub.searchFailures.shift();
    setTimeout(() => {
      if (failure) return res.writeHead(failure.status, { ...cors, ...failure.headers }).end();
      const limit = Number(url.searchParams.get("limit") ?? 1000);
      const found = hub.searchIndex.filter((m) => m.id.toLowerCase().includes(q)).slice(0, limit);
      res.writeHead(200, { ...cors, "Content-Type": "application/json" }).end(JSON.stringify(found));
    }, hub.searchDelay(q));
  }
  await listen(server);
  hub.url = `http://127.0.0.1:${server.address().port}`;
  hub.close = () => closeAll(server);
  return hub;
}
