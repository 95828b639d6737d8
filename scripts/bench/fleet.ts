/**
 * The fleet bench: throughput of `box-upload sync --queue` against the number of workers, and
 * what the queue costs in Redis. A redis-server of its own and the local Box server (a process of
 * its own, shaped per request like a link to Box) on loopback; each worker is a `box-upload
 * worker` process with one file and two parts in flight by default, standing for one host's link
 * (a worker takes `--transfers` jobs at once, so with more, the big files bunch on few workers).
 *   1. A mixed tree (big chunked files and small ones), Box's limits off: time, MB/s and files/s
 *      for each number of workers, and the speed-up against one worker.
 *   2. Small files only with Box's limits on (240 uploads a minute, 1,000 calls): where more
 *      workers cannot help.
 *   3. Redis: commands per file (from the runs above), and memory per queued file (a producer
 *      with no worker queues a tree; used_memory before, queued, and after it gave its jobs back).
 * Prints tables; writes .bench/fleet-<timestamp>.json.
 *
 *   npm run bench:fleet -- [--workers 1,2,4] [--big 8] [--big-mb 24] [--small 100] [--transfers 1]
 *       [--concurrency 2] [--bandwidth 4000000] [--latency 50] [--limited-files 40] [--queued-files 2000]
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BoxUploadClient, createFleet } from "../../src";
import { cleanupOnSignals, registerCleanup, withCleanup } from "../../contract-tests/support/process/cleanup";
import { spawnNode } from "../../contract-tests/support/process/child";
import { startJsonChild, stopChild } from "../../contract-tests/support/process/jsonChild";
import { bytesOf, writeRandomFile } from "../../contract-tests/support/random";
import { startRedis, type LocalRedis } from "../../contract-tests/support/redis";
import { MB } from "./stats";

const ROOT = join(__dirname, "..", "..", "..");
const CLI = join(__dirname, "..", "..", "src", "cli", "main.js");
const STAMP = new Date().toISOString().replace(/[:.]/g, "-");
const log = (m: string) => process.stderr.write(`[bench:fleet] ${m}\n`);

interface Server {
  baseUrl: string;
  apiBaseUrl: string;
  token: string;
}

interface Row {
  label: string;
  workers: number;
  files: number;
  bytes: number;
  seconds: number;
  commandsPerFile: number;
  /** The commands sent most, per file. */
  top: Record<string, number>;
  note: string;
}

async function info(redis: LocalRedis, field: string): Promise<number> {
  const text = await redis.client.info();
  return Number(new RegExp(`^${field}:(\\d+)`, "m").exec(text)?.[1] ?? Number.NaN);
}

async function withServer<T>(args: string[], body: (server: Server) => Promise<T>): Promise<T> {
  const { value: server, child } = await startJsonChild<Server>(join(__dirname, "..", "local-server.js"), args);
  return withCleanup(() => stopChild(child), () => body(server));
}

/** One sync of `tree` by a producer and `n` worker processes; the time is the producer's, start to exit. */
async function run(redis: LocalRedis, server: Server, tree: string, n: number, o: { transfers: string; concurrency: string; limits: string[] }, label: string, files: number, bytes: number): Promise<Row> {
  const env = { BOX_ACCESS_TOKEN: server.token, BOX_UPLOAD_BASE_URL: server.baseUrl, BOX_API_BASE_URL: server.apiBaseUrl, BOX_SYNC_QUEUE: redis.url, BOX_CHUNKED_THRESHOLD: String(20_000_000) };
  const box = new BoxUploadClient({ token: server.token, baseUrl: server.baseUrl, apiBaseUrl: server.apiBaseUrl });
  const folder = (await box.api.createFolder("0", `${label} ${n} ${Date.now()}`)).id;
  await box.close();
  const workers = Array.from({ length: n }, () => spawnNode([CLI, "worker", "--quiet", "--transfers", o.transfers, "--concurrency", o.concurrency, ...o.limits], { env, cleanEnv: true, cleanupSignal: "SIGKILL" }));
  const stopAll = registerCleanup(() => workers.forEach((w) => w.child.kill("SIGKILL")));
  try {
    // Round trips are the commands clients send (MONITOR marks those a Lua script runs itself).
    const monitor = await redis.client.duplicate().monitor();
    const sent = new Map<string, number>();
    monitor.on("monitor", (_time: string, args: string[], source: string) => {
      if (source !== "lua") sent.set(String(args[0]).toLowerCase(), (sent.get(String(args[0]).toLowerCase()) ?? 0) + 1);
    });
    const producer = await spawnNode([CLI, "sync", tree, folder, "--json", ...o.limits], { env, cleanEnv: true, timeoutMs: 30 * 60_000 }).done;
    monitor.disconnect();
    if (producer.code !== 0) throw new Error(`producer exited ${producer.code}: ${producer.stderr.slice(0, 500)}`);
    const commands = [...sent.values()].reduce((a, b) => a + b, 0);
    const top = Object.fromEntries([...sent].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => [k, Math.round((10 * v) / files) / 10]));
    const summary = JSON.parse(producer.stdout) as { uploaded: number; failed: number };
    return { label, workers: n, files, bytes, seconds: producer.ms / 1000, commandsPerFile: commands / files, top, note: `${summary.uploaded} up, ${summary.failed} failed` };
  } finally {
    for (const w of workers) w.child.kill("SIGTERM");
    await Promise.all(workers.map((w) => w.done));
    stopAll();
  }
}

function table(rows: Row[]): string {
  const base = new Map<string, number>();
  for (const r of rows) if (r.workers === Math.min(...rows.filter((x) => x.label === r.label).map((x) => x.workers))) base.set(r.label, r.seconds);
  const head = ["tree", "workers", "files", "MB", "seconds", "files/s", "MB/s", "vs fewest", "Redis round trips/file", "note"];
  const lines = rows.map((r) => [r.label, String(r.workers), String(r.files), (r.bytes / MB).toFixed(0), r.seconds.toFixed(1), (r.files / r.seconds).toFixed(1), (r.bytes / MB / r.seconds).toFixed(1), `${(base.get(r.label)! / r.seconds).toFixed(2)}x`, r.commandsPerFile.toFixed(1), r.note]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  return [head, ...lines].map((l) => l.map((c, i) => (i === 0 || i === 9 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")).join("\n");
}

/** Memory in Redis per queued file: a producer and no worker, so every job waits in the queue. */
async function memoryPerQueued(redis: LocalRedis, server: Server, dir: string, count: number): Promise<{ perFile: number; before: number; queued: number; after: number }> {
  const spec = join(dir, "queued");
  for (let i = 0; i < count; i++) {
    if (i % 100 === 0) await mkdir(join(spec, `set ${i / 100}`), { recursive: true });
    await writeFile(join(spec, `set ${Math.floor(i / 100)}`, `file ${i}.txt`), bytesOf(100, i));
  }
  const fleet = createFleet({ redis: redis.url, rateLimits: "off" });
  const client = new BoxUploadClient({ token: server.token, baseUrl: server.baseUrl, apiBaseUrl: server.apiBaseUrl, pacer: fleet.pacer });
  const folder = (await client.api.createFolder("0", `queued ${Date.now()}`)).id;
  const before = await info(redis, "used_memory");
  const stop = new AbortController();
  const producing = fleet.sync(client, spec, folder, { signal: stop.signal, maxQueued: count }).catch(() => undefined);
  const end = Date.now() + 120_000;
  while ((await redis.client.llen("box-upload:sync:wait")) < count && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  const queued = await info(redis, "used_memory");
  stop.abort();
  await producing;
  const after = await info(redis, "used_memory");
  await client.close();
  await fleet.close();
  return { perFile: (queued - before) / count, before, queued, after };
}

async function main() {
  const { values } = parseArgs({
    options: {
      workers: { type: "string", default: "1,2,4" },
      big: { type: "string", default: "8" },
      "big-mb": { type: "string", default: "24" },
      small: { type: "string", default: "100" },
      transfers: { type: "string", default: "1" },
      concurrency: { type: "string", default: "2" },
      bandwidth: { type: "string", default: "4000000" },
      latency: { type: "string", default: "50" },
      "limited-files": { type: "string", default: "40" },
      "queued-files": { type: "string", default: "2000" },
    },
  });
  cleanupOnSignals();
  const counts = values.workers!.split(",").map(Number);
  const work = await mkdtemp(join(tmpdir(), "bench-fleet-"));
  const redis = await startRedis();
  const report: Record<string, unknown> = { stamp: STAMP, options: values };
  const shaping = ["--bandwidth", values.bandwidth!, "--latency", values.latency!];
  const o = { transfers: values.transfers!, concurrency: values.concurrency! };
  try {
    const mixed = join(work, "mixed");
    const big = Number(values.big);
    const bigBytes = Math.round(Number(values["big-mb"]) * MB);
    const small = Number(values.small);
    log(`writing the mixed tree: ${big} files of ${bigBytes / MB} MB + ${small} of 2-50 KB`);
    let bytes = 0;
    await mkdir(join(mixed, "big"), { recursive: true });
    for (let i = 0; i < big; i++) {
      await writeRandomFile(join(mixed, "big", `large ${i}.bin`), bigBytes);
      bytes += bigBytes;
    }
    for (let i = 0; i < small; i++) {
      if (i % 50 === 0) await mkdir(join(mixed, `small ${i / 50}`), { recursive: true });
      const size = 2_000 + ((i * 7919) % 48_000);
      await writeFile(join(mixed, `small ${Math.floor(i / 50)}`, `f${i}.bin`), bytesOf(size, i + 1));
      bytes += size;
    }
    const rows: Row[] = [];
    await withServer(shaping, async (server) => {
      for (const n of counts) {
        log(`mixed tree, ${n} worker(s), Box's limits off`);
        rows.push(await run(redis, server, mixed, n, { ...o, limits: ["--max-uploads-per-minute", "off", "--max-calls-per-minute", "off"] }, "mixed, limits off", big + small, bytes));
      }
    });
    const limited = Number(values["limited-files"]);
    if (limited > 0) {
      const tree = join(work, "limited");
      await mkdir(tree, { recursive: true });
      for (let i = 0; i < limited; i++) await writeFile(join(tree, `f${i}.txt`), bytesOf(1_000, i));
      await withServer([...shaping, "--uploads-per-minute", "240", "--calls-per-minute", "1000"], async (server) => {
        for (const n of [counts[0]!, counts.at(-1)!]) {
          log(`${limited} small files, ${n} worker(s), Box's limits on (240 uploads a minute)`);
          rows.push(await run(redis, server, tree, n, { ...o, limits: [] }, "small, Box's limits", limited, limited * 1_000));
        }
      });
    }
    console.log(`\nworkers against a local server shaped like a link to Box (${Number(values.bandwidth) / MB} MB/s per request, +${values.latency} ms per answer); each worker --transfers ${o.transfers} --concurrency ${o.concurrency}`);
    console.log(table(rows));
    console.log("\nRedis round trips per file (commands sent by clients, not those Lua scripts run), the most sent:");
    for (const r of rows) console.log(`  ${r.label}, ${r.workers} worker(s): ${Object.entries(r.top).map(([k, v]) => `${k} ${v}`).join(", ")}`);
    report.rows = rows;

    const queuedFiles = Number(values["queued-files"]);
    if (queuedFiles > 0) {
      log(`memory: ${queuedFiles} files queued, no worker`);
      const m = await withServer([], (server) => memoryPerQueued(redis, server, work, queuedFiles));
      console.log(`\nRedis memory: ${queuedFiles} files queued with no worker: ${(m.perFile / 1024).toFixed(2)} KiB per queued file (used_memory ${(m.before / MB).toFixed(2)} MB before, ${(m.queued / MB).toFixed(2)} MB queued, ${(m.after / MB).toFixed(2)} MB after the producer gave its jobs back)`);
      report.memory = m;
    }
    await mkdir(join(ROOT, ".bench"), { recursive: true });
    const file = join(ROOT, ".bench", `fleet-${STAMP}.json`);
    await writeFile(file, JSON.stringify(report, null, 2));
    console.log(`\nwritten to ${file}`);
  } finally {
    await redis.stop();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
