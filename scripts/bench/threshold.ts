/**
 * Where should the uploader switch from one direct request to a chunked session? Uploads files of
 * several sizes as NEW files (our public API), each way forced by `chunkedThreshold`: direct
 * (threshold above the size) and chunked (threshold 1; the local server is started with
 * --min-size 1 so that chunked sessions below Box's 20,000,000-byte minimum are allowed, to see
 * where chunked would win even though Box refuses it there). Against the local server in its own
 * process, shaped like a link to Box (as the bench's "shaped" mode) and unshaped; optionally over
 * TLS. Each upload runs in a process of its own (a cold client, as a one-off upload is); runs go
 * round-robin and the median of each figure is reported. Prints a table per mode and writes
 * everything to .bench/threshold-<timestamp>.json.
 *
 *   npm run -s build:scripts && node .build/scripts/bench/threshold.js
 *       [--sizes 5,10,19.9,20,30,50] (decimal MB) [--runs 3] [--modes shaped,unshaped] [--tls]
 *       [--bandwidth 40000000] [--latency 50] [--concurrency N]
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CHUNKED_MIN_SIZE, DEFAULT_CONCURRENCY } from "../../src";
import { defaultPartSize } from "../../contract-tests/support/localBox/server";
import { cleanupOnSignals, withCleanup } from "../../contract-tests/support/process/cleanup";
import { runJsonChild, startJsonChild, stopChild } from "../../contract-tests/support/process/jsonChild";
import { writeRandomFile } from "../../contract-tests/support/random";
import type { NewFileResult } from "./newFile";
import { MODES, parseModes, type ModeName } from "./results";
import { MB, median } from "./stats";

type Way = "direct" | "chunked";
const WAYS: Way[] = ["direct", "chunked"];

interface Server {
  baseUrl: string;
  apiBaseUrl: string;
  token: string;
  caFile?: string;
}

interface Options {
  sizes: number[];
  runs: number;
  modes: ModeName[];
  bytesPerSecond: number;
  latencyMs: number;
  concurrency: number | undefined;
}

interface Cell {
  runs: NewFileResult[];
  seconds: number;
  mbPerSecond: number;
  cpuSeconds: number;
  peakRssBytes: number;
  requests: number;
  sha1Ok: number;
  /** Ways the uploads actually went (seen on the wire); must all be the one forced. */
  wentAs: Way[];
}

interface SizeRow {
  bytes: number;
  sha1: string;
  partSize: number;
  direct: Cell;
  chunked: Cell;
}

interface ModeTable {
  name: ModeName;
  tls: boolean;
  bytesPerSecond?: number;
  latencyMs?: number;
  rows: SizeRow[];
}

const ROOT = join(__dirname, "..", "..", "..");
const STAMP = new Date().toISOString().replace(/[:.]/g, "-");

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return n;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "5,10,19.9,20,30,50" },
      runs: { type: "string", default: "3" },
      modes: { type: "string", default: "shaped,unshaped" },
      tls: { type: "boolean", default: false },
      bandwidth: { type: "string", default: "40000000" },
      latency: { type: "string", default: "50" },
      concurrency: { type: "string" },
    },
  });
  return {
    sizes: values.sizes!.split(",").map((s) => Math.round(positive("sizes", s) * MB)),
    runs: Math.round(positive("runs", values.runs!)),
    modes: parseModes(values.modes!, values.tls!),
    bytesPerSecond: positive("bandwidth", values.bandwidth!),
    latencyMs: values.latency === "0" ? 0 : positive("latency", values.latency!),
    concurrency: values.concurrency === undefined ? undefined : Math.round(positive("concurrency", values.concurrency)),
  };
}

function progress(message: string): void {
  process.stderr.write(`[threshold] ${message}\n`);
}

function cell(runs: NewFileResult[], bytes: number, sha1: string): Cell {
  const seconds = median(runs.map((r) => r.seconds));
  return {
    runs,
    seconds,
    mbPerSecond: bytes / seconds / MB,
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    peakRssBytes: median(runs.map((r) => r.peakRssBytes)),
    requests: median(runs.map((r) => r.requests)),
    sha1Ok: runs.filter((r) => r.sha1 === sha1).length,
    wentAs: [...new Set(runs.map((r) => r.way))],
  };
}

async function measureMode(o: Options, name: ModeName, files: { bytes: number; path: string; sha1: string }[]): Promise<ModeTable> {
  const { shaped, tls } = MODES[name];
  const serverArgs = [
    "--plan",
    "none",
    "--min-size",
    "1",
    ...(shaped ? ["--bandwidth", String(o.bytesPerSecond), "--latency", String(o.latencyMs)] : []),
    ...(tls ? ["--tls"] : []),
  ];
  const { value: server, child } = await startJsonChild<Server>(join(__dirname, "..", "local-server.js"), serverArgs);
  return withCleanup(
    () => stopChild(child),
    async () => {
      const env = { BOX_ACCESS_TOKEN: server.token, ...(server.caFile ? { NODE_EXTRA_CA_CERTS: server.caFile } : {}) };
      let seq = 0;
      const upload = (file: { bytes: number; path: string }, way: Way, tag: string) => {
        const args = [
          "--base-url",
          server.baseUrl,
          "--api-base-url",
          server.apiBaseUrl,
          "--path",
          file.path,
          "--name",
          `threshold-${process.pid}-${++seq}-${tag}-${file.bytes}-${way}.bin`,
          "--chunked-threshold",
          String(way === "direct" ? file.bytes + 1 : 1),
          ...(o.concurrency ? ["--concurrency", String(o.concurrency)] : []),
        ];
        return runJsonChild<NewFileResult>(join(__dirname, "newFile.js"), args, { env, timeoutMs: 120_000 + file.bytes / 1000 }).then((r) => r.value);
      };
      // A fresh server is slow on its first uploads (JIT): one of each way, not counted.
      progress(`${name}: warming the server up (not counted)`);
      for (const way of WAYS) await upload(files[files.length - 1]!, way, "warmup");
      const jobs = files.flatMap((file, f) => WAYS.map((way) => ({ f, way })));
      const results = files.map(() => ({ direct: [] as NewFileResult[], chunked: [] as NewFileResult[] }));
      // Round-robin, one further each run, so a slow spell of the machine hits every cell alike.
      for (let run = 0; run < o.runs; run++) {
        progress(`${name} run ${run + 1}/${o.runs}`);
        for (let k = 0; k < jobs.length; k++) {
          const { f, way } = jobs[(run + k) % jobs.length]!;
          results[f]![way].push(await upload(files[f]!, way, `r${run + 1}`));
        }
      }
      return {
        name,
        tls,
        ...(shaped ? { bytesPerSecond: o.bytesPerSecond, latencyMs: o.latencyMs } : {}),
        rows: files.map((file, f) => ({
          bytes: file.bytes,
          sha1: file.sha1,
          partSize: defaultPartSize(file.bytes),
          direct: cell(results[f]!.direct, file.bytes, file.sha1),
          chunked: cell(results[f]!.chunked, file.bytes, file.sha1),
        })),
      };
    },
  );
}

function title(t: ModeTable, o: Options): string {
  const shaping = t.bytesPerSecond !== undefined
    ? `shaped like a link to Box: ${(t.bytesPerSecond / MB).toFixed(0)} MB/s per request, +${t.latencyMs} ms per answer`
    : "unshaped loopback";
  const conc = o.concurrency ?? DEFAULT_CONCURRENCY;
  return `${t.tls ? "HTTPS, " : ""}${shaping}; new files, chunked at conc ${conc}, median of ${o.runs} run${o.runs === 1 ? "" : "s"}`;
}

const WIDTHS = [8, 6, 9, 7, 7, 9, 8, 7, 5, 8, 8, 11];
const HEADER = ["size MB", "parts", "direct s", "MB/s", "CPU s", "chunked s", "MB/s", "CPU s", "reqs", "chunked", "faster", "Box allows"];

function cells(values: (string | number)[]): string {
  return values.map((v, i) => (i === 0 ? String(v).padEnd(WIDTHS[i]!) : String(v).padStart(WIDTHS[i]!))).join("  ");
}

function table(t: ModeTable, o: Options): string[] {
  const lines = [title(t, o), `  ${cells(HEADER)}`];
  for (const r of t.rows) {
    const { direct: d, chunked: c } = r;
    const bad = [d, c].some((x) => x.sha1Ok !== x.runs.length) ? "  SHA-1 MISMATCH" : "";
    const wrongWay = d.wentAs.join() !== "direct" || c.wentAs.join() !== "chunked" ? `  WENT ${d.wentAs}/${c.wentAs}` : "";
    lines.push(
      `  ${cells([
        +(r.bytes / MB).toFixed(2),
        Math.ceil(r.bytes / r.partSize),
        d.seconds.toFixed(3),
        d.mbPerSecond.toFixed(1),
        d.cpuSeconds.toFixed(2),
        c.seconds.toFixed(3),
        c.mbPerSecond.toFixed(1),
        c.cpuSeconds.toFixed(2),
        c.requests,
        `${(d.seconds / c.seconds).toFixed(2)}x`,
        c.seconds < d.seconds ? "chunked" : "direct",
        r.bytes < CHUNKED_MIN_SIZE ? "direct" : "both",
      ])}${bad}${wrongWay}`,
    );
  }
  lines.push("  (chunked: direct s / chunked s, above 1 chunked is faster; reqs: HTTP exchanges of a chunked upload; direct is preflight + 1)");
  lines.push(`  ${verdict(t)}`);
  if (t.bytesPerSecond === undefined) {
    lines.push("  (unshaped loopback: no per-request cap, no latency, client and server share the CPU; parallel parts buy");
    lines.push("   little here and cost a second SHA-1 pass, so this table shows CPU cost, not a link to Box: decide on the shaped ones)");
  }
  return lines;
}

/** What this mode says about the default threshold (Box's minimum, CHUNKED_MIN_SIZE). */
function verdict(t: ModeTable): string {
  const chunkedWins = (r: SizeRow) => r.chunked.seconds < r.direct.seconds;
  const above = t.rows.filter((r) => r.bytes >= CHUNKED_MIN_SIZE);
  const directWinsAbove = above.filter((r) => !chunkedWins(r));
  const firstChunked = t.rows.find((r, i) => t.rows.slice(i).every(chunkedWins));
  const crossover = firstChunked ? `chunked is faster from ${+(firstChunked.bytes / MB).toFixed(2)} MB up (of the sizes measured)` : "chunked is never faster at every larger size measured";
  const keep =
    above.length === 0
      ? "no size at or above the threshold measured"
      : directWinsAbove.length === 0
        ? `direct is faster at no size >= ${CHUNKED_MIN_SIZE.toLocaleString("en-US")}: keep the threshold`
        : `direct is faster at ${directWinsAbove.map((r) => `${+(r.bytes / MB).toFixed(2)} MB`).join(", ")}: consider raising the threshold`;
  return `=> ${crossover}; ${keep}`;
}

async function main(): Promise<void> {
  const o = options();
  cleanupOnSignals();
  const started = Date.now();
  const files: { bytes: number; path: string; sha1: string }[] = [];
  const removeFiles = () => Promise.all(files.map((f) => rm(f.path, { force: true })));
  const tables = await withCleanup(removeFiles, async () => {
    for (const bytes of [...new Set(o.sizes)].sort((a, b) => a - b)) {
      const path = join(tmpdir(), `box-threshold-${process.pid}-${bytes}.bin`);
      files.push({ bytes, path, sha1: "" });
      files[files.length - 1]!.sha1 = await writeRandomFile(path, bytes);
    }
    progress(`wrote ${files.length} test files`);
    const out: ModeTable[] = [];
    for (const name of o.modes) {
      const t = await measureMode(o, name, files);
      out.push(t);
      console.log(`${table(t, o).join("\n")}\n`);
    }
    return out;
  });
  const shaped = tables.filter((t) => t.bytesPerSecond !== undefined);
  if (shaped.length > 0) {
    const against = shaped.flatMap((t) => t.rows.filter((r) => r.bytes >= CHUNKED_MIN_SIZE && r.direct.seconds <= r.chunked.seconds).map((r) => `${t.name} ${+(r.bytes / MB).toFixed(2)} MB`));
    console.log(
      against.length === 0
        ? `decision (shaped modes): chunked is faster at every size >= ${CHUNKED_MIN_SIZE.toLocaleString("en-US")} measured; keep chunkedThreshold at ${CHUNKED_MIN_SIZE.toLocaleString("en-US")}\n`
        : `decision (shaped modes): direct is as fast or faster at ${against.join(", ")}; measure larger sizes before raising chunkedThreshold\n`,
    );
  }
  const seconds = (Date.now() - started) / 1000;
  const dir = join(ROOT, ".bench");
  await mkdir(dir, { recursive: true });
  const file = join(dir, `threshold-${STAMP}.json`);
  const record = { startedAt: new Date(started).toISOString(), seconds, node: process.version, cpus: cpus().length, options: o, tables };
  await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`threshold measurement took ${seconds.toFixed(0)} s; results in ${file}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
