/**
 * The web app's own server for the browser tests, on its own loopback origin (so every call to
 * the local Box server is cross-origin, preflights included): the example page, the test page,
 * the package's browser build, and GET /box-token, which hands the page a token and the hosts,
 * as an app's server would after downscoping its own token.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ROOT } from "../paths";

const FILES: Record<string, string> = {
  "/": "examples/browser/index.html",
  "/example.js": "examples/browser/example.js",
  "/box/index.js": "dist/browser/index.js",
  "/box/sha1Worker.js": "dist/browser/sha1Worker.js",
  "/test.html": "contract-tests/browser/page/test.html",
  "/test.js": "contract-tests/browser/page/test.js",
};
const TYPES: Record<string, string> = { html: "text/html; charset=utf-8", js: "text/javascript; charset=utf-8" };

export interface PageConfig {
  /** Where the browser build is read from (default dist/browser); measure.ts serves a copy, safe from rebuilds. */
  bundleDir?: string;
  token: string;
  baseUrl: string;
  apiBaseUrl: string;
  folderId: string;
}

export async function startPageServer(config: PageConfig): Promise<{ origin: string; tokenRequests: () => number; stop: () => Promise<void> }> {
  let tokenRequests = 0;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/box-token") {
      tokenRequests++;
      const body = JSON.stringify({ accessToken: config.token, expiresIn: 3600, baseUrl: config.baseUrl, apiBaseUrl: config.apiBaseUrl, folderId: config.folderId });
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(body);
      return;
    }
    const file = FILES[path];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    const from = config.bundleDir && file.startsWith("dist/browser/") ? join(config.bundleDir, file.slice("dist/browser/".length)) : join(ROOT, file);
    readFile(from).then(
      (bytes) => {
        res.writeHead(200, { "content-type": TYPES[file.split(".").pop()!] ?? "application/octet-stream", "cache-control": "no-store" });
        res.end(bytes);
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tokenRequests: () => tokenRequests,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
