/**
 * The folder-sync bench. A mixed tree (by default 1,000 files of 1 KB to 5 MB, sizes
 * log-uniform and seeded, in nested folders, plus 5 of 100 MB) goes into the local server, in a
 * process of its own, shaped like a link to Box (per-request bandwidth and latency) and over TLS:
 *   - ours, first run (syncFolder at its defaults, or each --transfers given);
 *   - ours, second run on the same tree (everything already there: compare only);
 *   - a loop over the official SDK's upload calls, one file at a time (what Box's CLI does).
 * Then peak RSS of ours for trees of --rss-files counts (small files plus two of 100 MB), to show
 * the memory bound does not grow with the number of files. These runs measure raw speed: the
 * server has no rate limits, and ours runs with `rateLimits: "off"`.
 *
 * `--limits box` instead runs both against the server with Box's per-user limits (240 uploads and
 * 1,000 calls a minute, counted over a sliding `--window-ms`, default 1 s): a tree of `--limit-files` small files and one chunked
 * file, ours paced at its defaults. It reports the time against what the limits allow (uploads /
 * limit), the 429s, the bytes sent into refused requests, and the files that failed. Prints tables;
 * writes .bench/sync-<timestamp>.json.
 *
 *   npm run bench:sync -- [--files 1000] [--big 5] [--modes shaped,tls] [--transfers 8]
 *       [--rss-files 100,10000] [--skip-sdk] [--bandwidth 40000000] [--latency 50]
 *   npm run bench:sync -- --limits box [--limit-files 160] [--window-ms 1000] [--skip-sdk]
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cleanupOnSignals, withCleanup } from "../../contract-tests/support/process/cleanup";
import { runJsonChild, startJsonChild, stopChild } from "../../contract-tests/support/process/jsonChild";
import { bytesOf, seeded, writeRandomFile } from "../../contract-tests/support/random";
import type { ClientResult } from "./measure";
import { MODES, type ModeName } from "./results";
import { MB, table as plainTable } from "./stats";
import type { SyncChildResult } from "./syncChild";

const ROOT = join(__dirname, "..", "..", "..");
const STAMP = new Date().toISOString().replace(/[:.]/g, "-");
const log = (m: string) => process.stderr.write(`[bench:sync] ${m}\n`);

interface Server {
  baseUrl: string;
  apiBaseUrl: string;
  token: string;
  caFile?: string;
}

/** Writes the tree: `files` small ones over nested folders of at most 50, plus `big` of `bigBytes`. */
async function writeTreeOf(root: string, files: number, big: number, minBytes: number, maxBytes: number, bigBytes: number): Promise<number> {
  const random = seeded(files * 7919 + big);
  let total = 0;
  for (let i = 0; i < files; i++) {
    const folder = join(root, `group ${String(Math.floor(i / 250)).padStart(2, "0")}`, `set ${String(Math.floor(i / 50) % 5)}`);
    if (i % 50 === 0) await mkdir(folder, { recursive: true });
    const size = Math.round(Math.exp(Math.log(minBytes) + random() * (Math.log(maxBytes) - Math.log(minBytes))));
    await writeFile(join(folder, `file ${String(i).padStart(5, "0")}.bin`), bytesOf(size, i + 1));
    total += size;
  }
  if (big) await mkdir(join(root, "big"), { recursive: true });
  for (let i = 0; i < big; i++) {
    await writeRandomFile(join(root, "big", `large ${i}.bin`), bigBytes);
    total += bigBytes;
  }
  return total;
}

interface Row {
  label: string;
  files: number;
  bytes: number;
  seconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
  note: string;
}

const row = (label: string, files: number, bytes: number, r: ClientResult, note = ""): Row => ({ label, files, bytes, seconds: r.seconds, cpuSeconds: r.cpuSeconds, peakRssBytes: r.peakRssBytes, note });

function table(rows: Row[]): string {
  const head = ["client", "files", "MB", "seconds", "files/s", "MB/s", "CPU s", "peak RSS MB", "note"];
  const lines = rows.map((r) => [
    r.label,
    String(r.files),
    (r.bytes / MB).toFixed(0),
    r.seconds.toFixed(1),
    (r.files / r.seconds).toFixed(1),
    (r.bytes / MB / r.seconds).toFixed(1),
    r.cpuSeconds.toFixed(1),
    (r.peakRssBytes / MB).toFixed(0),
    r.note,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  return [head, ...lines].map((l) => l.map((c, i) => (i === 0 || i === 8 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")).join("\n");
}

async function withServer<T>(mode: ModeName, o: { bandwidth: number; latency: number; extra?: string[] }, body: (server: Server, env: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
  const { shaped, tls } = MODES[mode];
  const args = ["--plan", "none", ...(shaped ? ["--bandwidth", String(o.bandwidth), "--latency", String(o.latency)] : []), ...(tls ? ["--tls"] : []), ...(o.extra ?? [])];
  const { value: server, child } = await startJsonChild<Server>(join(__dirname, "..", "local-server.js"), args);
  const env = { BOX_ACCESS_TOKEN: server.token, ...(server.caFile ? { NODE_EXTRA_CA_CERTS: server.caFile } : {}) };
  return withCleanup(() => stopChild(child), () => body(server, env));
}

async function main() {
  const { values } = parseArgs({
    options: {
      files: { type: "string", default: "1000" },
      big: { type: "string", default: "5" },
      "big-mb": { type: "string", default: "100" },
      modes: { type: "string", default: "shaped,tls" },
      transfers: { type: "string", default: "" },
      "rss-files": { type: "string", default: "100,10000" },
      "skip-sdk": { type: "boolean", default: false },
      bandwidth: { type: "string", default: "40000000" },
      latency: { type: "string", default: "50" },
      limits: { type: "string", default: "" },
      "limit-files": { type: "string", default: "160" },
      "window-ms": { type: "string", default: "1000" },
    },
  });
  cleanupOnSignals();
  const o = { bandwidth: Number(values.bandwidth), latency: Number(values.latency) };
  if (values.limits) return limitsBench(o, Number(values["limit-files"]), Number(values["window-ms"]), values["skip-sdk"]!);
  const files = Number(values.files);
  const big = Number(values.big);
  const bigBytes = Math.round(Number(values["big-mb"]) * MB);
  const transfers = values.transfers ? values.transfers.split(",").map(Number) : [undefined];
  const work = await mkdtemp(join(tmpdir(), "bench-sync-"));
  const report: Record<string, unknown> = { stamp: STAMP, files, big, bigBytes, shaping: o, modes: {} };
  try {
    const tree = join(work, "mixed");
    const modes = values.modes!.split(",").filter(Boolean) as ModeName[];
    if (modes.length) log(`writing the mixed tree: ${files} files of 1 KB to 5 MB + ${big} of ${bigBytes / MB} MB`);
    const bytes = modes.length ? await writeTreeOf(tree, files, big, 1_000, 5_000_000, bigBytes) : 0;
    const count = files + big;
    for (const mode of modes) {
      const rows = await withServer(mode, o, async (server, env) => {
        const urls = ["--base-url", server.baseUrl, "--api-base-url", server.apiBaseUrl];
        const out: Row[] = [];
        for (const t of transfers) {
          log(`${mode}: ours, first run${t ? ` (transfers ${t})` : ""}`);
          const first = (await runJsonChild<SyncChildResult>(join(__dirname, "syncChild.js"), [...urls, "--rate-limits", "off", "--dir", tree, "--folder-name", `ours-${t ?? "default"}`, ...(t ? ["--transfers", String(t)] : [])], { env })).value;
          out.push(row(`ours first run${t ? ` t=${t}` : ""}`, count, bytes, first, `${first.summary.uploaded} up, ${first.summary.failed} failed, ${first.requests} requests`));
          log(`${mode}: ours, second run (all in place)`);
          const second = (await runJsonChild<SyncChildResult>(join(__dirname, "syncChild.js"), [...urls, "--rate-limits", "off", "--dir", tree, "--folder", first.folderId, ...(t ? ["--transfers", String(t)] : [])], { env })).value;
          // Skipping needs Box's SHA-1 to equal the local file's: all skipped proves the first run stored every byte right.
          out.push(row(`ours second run${t ? ` t=${t}` : ""}`, count, bytes, second, `${second.summary.skipped} skipped, ${second.summary.uploaded + second.summary.versioned} sent, ${second.summary.bytesSent} bytes sent`));
        }
        if (!values["skip-sdk"]) {
          log(`${mode}: official SDK, one file at a time`);
          const sdk = (await runJsonChild<ClientResult & { files: number }>(join(__dirname, "sdkTree.js"), [...urls, "--dir", tree, "--folder-name", "sdk"], { env, timeoutMs: 60 * 60_000 })).value;
          out.push(row("official SDK loop", sdk.files, bytes, sdk, "no compare: re-sends everything every run"));
        }
        return out;
      });
      const firstRow = rows.find((r) => r.label.startsWith("ours first"));
      const sdkRow = rows.find((r) => r.label.startsWith("official"));
      const ratio = firstRow && sdkRow ? sdkRow.seconds / firstRow.seconds : undefined;
      console.log(`\n${mode} (${MODES[mode].tls ? "HTTPS, " : ""}${MODES[mode].shaped ? `${o.bandwidth / MB} MB/s per request, +${o.latency} ms per answer` : "unshaped"}): ${count} files, ${(bytes / MB).toFixed(0)} MB`);
      console.log(table(rows));
      if (ratio) console.log(`ours first run vs official SDK loop: ${ratio.toFixed(2)}x faster`);
      (report.modes as Record<string, unknown>)[mode] = { rows, vsSdk: ratio };
    }

    const rss: Row[] = [];
    for (const n of values["rss-files"]!.split(",").filter(Boolean).map(Number)) {
      const dir = join(work, `rss-${n}`);
      log(`peak RSS: ${n} files of 1-64 KB + 2 of 100 MB (unshaped)`);
      const size = await writeTreeOf(dir, n, 2, 1_000, 64_000, 100 * MB);
      const r = await withServer("unshaped", o, (server, env) =>
        runJsonChild<SyncChildResult>(join(__dirname, "syncChild.js"), ["--base-url", server.baseUrl, "--api-base-url", server.apiBaseUrl, "--rate-limits", "off", "--dir", dir, "--folder-name", `rss-${n}`], { env, nodeArgs: ["--expose-gc"] }).then((r) => r.value),
      );
      const kept = r.heapAfterGcBytes === undefined ? "" : `, heap after GC ${(r.heapAfterGcBytes / MB).toFixed(1)} MB`;
      rss.push(row(`ours, ${n} small files`, n + 2, size, r, `${r.summary.uploaded} up, ${r.summary.failed} failed${kept}`));
      await rm(dir, { recursive: true, force: true });
    }
    if (rss.length) {
      console.log("\npeak RSS against the number of files (unshaped loopback, defaults)");
      console.log(table(rss));
      report.rss = rss;
    }
    await mkdir(join(ROOT, ".bench"), { recursive: true });
    const file = join(ROOT, ".bench", `sync-${STAMP}.json`);
    await writeFile(file, JSON.stringify(report, null, 2));
    console.log(`\nwritten to ${file}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

interface LimitStats {
  accepted: { upload: number; call: number };
  refused: { upload: number; call: number };
  refusedBodyBytes: number;
}

/** Ours and the SDK's loop against Box's per-user limits, each on a server of its own (fresh budgets). */
async function limitsBench(o: { bandwidth: number; latency: number }, files: number, windowMs: number, skipSdk: boolean): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "bench-limits-"));
  try {
    const tree = join(work, "tree");
    const bytes = await writeTreeOf(tree, files, 1, 1_000, 500_000, 25 * MB);
    // Every file is one upload (a direct one, or a session creation): the limit allows this many a minute.
    const ideal = ((files + 1) / 240) * 60;
    // Box does not say over what window it counts; 1 s (4 uploads and 16 calls a second) is the strictest reading.
    const extra = ["--uploads-per-minute", "240", "--calls-per-minute", "1000", "--window-ms", String(windowMs)];
    const rows: string[][] = [];
    const run = async (label: string, script: string, args: string[]) =>
      withServer("shaped", { ...o, extra }, async (server, env) => {
        log(`${label} against Box's limits`);
        const r = (await runJsonChild<ClientResult & { failed?: number; files?: number; summary?: SyncChildResult["summary"] }>(join(__dirname, script), ["--base-url", server.baseUrl, "--api-base-url", server.apiBaseUrl, "--dir", tree, ...args], { env, timeoutMs: 60 * 60_000 })).value;
        const stats = (await (await fetch(`${new URL(server.baseUrl).origin}/_local/stats`)).json()) as { limits: LimitStats };
        const l = stats.limits;
        const uploads = l.accepted.upload + l.refused.upload;
        const failed = r.summary ? r.summary.failed : (r.failed ?? 0);
        rows.push([
          label,
          r.seconds.toFixed(1),
          ideal.toFixed(1),
          (r.seconds / ideal).toFixed(2),
          String(failed),
          `${l.refused.upload}/${uploads}`,
          `${((100 * l.refused.upload) / Math.max(1, uploads)).toFixed(1)}%`,
          String(l.refused.call),
          (l.refusedBodyBytes / MB).toFixed(1),
          `${((100 * l.refusedBodyBytes) / bytes).toFixed(1)}%`,
        ]);
      });
    await run("ours (defaults: paced at Box's limits)", "syncChild.js", ["--folder-name", "ours"]);
    if (!skipSdk) await run("official SDK loop", "sdkTree.js", ["--folder-name", "sdk"]);
    const head = ["client", "seconds", "ideal s", "x ideal", "failed", "upload 429s", "429 share", "call 429s", "MB into 429s", "of the tree"];
    console.log(`
Box's limits (240 uploads, 1,000 calls a minute), shaped (${o.bandwidth / MB} MB/s per request, +${o.latency} ms): ${files} files of 1-500 KB + 1 of 25 MB, ${(bytes / MB).toFixed(1)} MB`);
    console.log(plainTable(head, rows));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
