/**
 * Browser vs Node on the same local Box server: the same bytes uploaded as a new file from
 * headless Chromium (a File, SHA-1 in the worker, and once more hashed on the page's thread) and
 * from Node (a file on disk), each timed from the call to the committed file, plus the longest
 * main-thread task the browser reported during each browser upload.
 *
 *   npx ts-node -T contract-tests/browser/measure.ts [--mb 200] [--runs 3]
 *
 * Needs the browser build (node scripts/build.mjs) and Chromium. The server is not shaped, so
 * this measures what the client costs on each runtime, not a link to Box. MEASURE_VERBOSE=1
 * lists every long task; MEASURE_NO_PROGRESS=1 uploads without an onProgress callback.
 */
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BoxUploadClient } from "../../src";
import { DEFAULT_TOKEN, LocalBoxServer } from "../support/localBox/server";
import { ROOT } from "../support/paths";
import { launchChromium, seededBytes } from "../support/browser/chromium";
import { startPageServer } from "../support/browser/pageServer";

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const MB = 1_000_000;
const size = arg("mb", 200) * MB;
const runs = arg("runs", 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const server = new LocalBoxServer();
  await server.start();
  // A copy of the build, so a rebuild elsewhere (the test suite's global setup) cannot pull it away mid-run.
  const bundleDir = mkdtempSync(join(tmpdir(), "box-bundle-"));
  cpSync(join(ROOT, "dist", "browser"), bundleDir, { recursive: true });
  const pages = await startPageServer({ bundleDir, token: DEFAULT_TOKEN, baseUrl: server.baseUrl, apiBaseUrl: server.apiBaseUrl, folderId: "0" });
  server.cors = { origins: [pages.origin] };
  const browser = await launchChromium();
  const path = join(tmpdir(), `box-measure-${process.pid}.bin`);
  const bytes = seededBytes(7, size);
  const expected = createHash("sha1").update(bytes).digest("hex");
  writeFileSync(path, bytes);
  const results: Record<string, { mbps: number[]; longest: number[] }> = { "browser, SHA-1 in worker": { mbps: [], longest: [] }, "browser, SHA-1 on page thread": { mbps: [], longest: [] }, "node, file on disk": { mbps: [], longest: [] } };
  try {
    for (let i = 0; i < runs; i++) {
      for (const [label, mainThread] of [["browser, SHA-1 in worker", false], ["browser, SHA-1 on page thread", true]] as const) {
        const page = await browser.newPage();
        page.on("pageerror", (err) => console.error("page error:", err));
        page.on("console", (m) => m.type() === "error" && console.error("page console:", m.text()));
        await page.goto(`${pages.origin}/test.html`);
        await page.waitForFunction(() => document.getElementById("state")?.textContent === "ready");
        const r = (await page.evaluate(
          (a) => (globalThis as unknown as { boxTest: { upload: (x: unknown) => Promise<unknown> } }).boxTest.upload(a),
          { target: { kind: "new", folderId: "0" }, name: `measure-${label}-${i}.bin`, size, seed: 7, hashOnMainThread: mainThread, noProgress: !!process.env.MEASURE_NO_PROGRESS },
        )) as { file?: { sha1: string }; ms: number; longestTaskMs: number; longTasks: [number, number][]; error?: unknown };
        if (process.env.MEASURE_VERBOSE) console.log(label, Math.round(r.ms), "ms; long tasks [start ms, ms]:", JSON.stringify(r.longTasks));
        await page.close();
        if (r.error || r.file?.sha1 !== expected) throw new Error(`${label}: ${JSON.stringify(r.error ?? r.file)}`);
        results[label]!.mbps.push(size / MB / (r.ms / 1000));
        results[label]!.longest.push(r.longestTaskMs);
      }
      const client = new BoxUploadClient({ token: DEFAULT_TOKEN, baseUrl: server.baseUrl, apiBaseUrl: server.apiBaseUrl });
      const started = performance.now();
      const file = await client.uploadNewFile("0", `measure-node-${i}.bin`, path);
      const ms = performance.now() - started;
      await client.close();
      if (file.sha1 !== expected) throw new Error(`node: sha1 ${file.sha1}`);
      results["node, file on disk"]!.mbps.push(size / MB / (ms / 1000));
    }
  } finally {
    rmSync(path, { force: true });
    rmSync(bundleDir, { recursive: true, force: true });
    await browser.close();
    await pages.stop();
    await server.stop();
  }
  console.log(`${size / MB} MB as a new file, 8 MiB parts, concurrency 8, local server unshaped, ${runs} runs (median; all runs)`);
  for (const [label, r] of Object.entries(results)) {
    const longest = r.longest.length ? `; longest main-thread task ${median(r.longest).toFixed(0)} ms (${r.longest.map((x) => x.toFixed(0)).join(", ")})` : "";
    console.log(`  ${label}: ${median(r.mbps).toFixed(0)} MB/s (${r.mbps.map((x) => x.toFixed(0)).join(", ")})${longest}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
