/**
 * A fleet as an operator sees it: `box-upload status` on an empty queue (exit 0), then jobs
 * waiting while no worker runs; a worker started with --metrics-addr takes them, and its /metrics,
 * read once the producer has every outcome, counts exactly the files and bytes those 50 jobs moved
 * (no path, name or token in it); status lists the worker while it runs and not after SIGTERM; the
 * producer's --report holds each file once with the Box id its worker got.
 */
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_TOKEN, LocalBoxServer } from "../support/localBox/server";
import { runCli } from "../support/process/cli";
import { closeAll } from "../support/process/cleanup";
import { bytesOf } from "../support/random";
import { startRedis, type LocalRedis } from "../support/redis";
import { until } from "../support/checks/timing";
import { writeTree } from "../support/tree";
import { sampleSum } from "../support/metricsText";

jest.setTimeout(120_000);
const MiB = 1024 * 1024;
let dir: string;
let redis: LocalRedis;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fleet-ops-"));
  redis = await startRedis();
});
afterEach(() => closeAll());
afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function status(env: NodeJS.ProcessEnv): Promise<{ jobs: Record<string, number>; workers: { id: string; in_flight: number; done: number; failed: number }[]; pace: Record<string, { last_minute: number; this_minute: number; previous_minute: number; ceiling_per_minute: number | null }> }> {
  const r = await runCli(["status", "--json"], env).done;
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

test("status on an empty queue, jobs waiting with no worker, a worker's exact metrics after 50 jobs, the producer's report", async () => {
  const server = new LocalBoxServer({ minFileSize: MiB, partSizeFor: () => MiB });
  await server.start();
  try {
    const env = { BOX_ACCESS_TOKEN: DEFAULT_TOKEN, BOX_CHUNKED_THRESHOLD: String(MiB), BOX_UPLOAD_BASE_URL: server.baseUrl, BOX_API_BASE_URL: server.apiBaseUrl, BOX_SYNC_QUEUE: redis.url, HOME: dir };

    // Nothing queued, no worker: a plain answer, exit 0.
    const empty = await runCli(["status"], env).done;
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain("jobs: 0 waiting, 0 active, 0 delayed, 0 failed");
    expect(empty.stdout).toContain("workers seen in the last minute: none");

    // 50 files: 45 small, 5 of 2.5 MiB sent in 1 MiB parts.
    const root = join(dir, "tree");
    const spec: Record<string, Uint8Array> = {};
    let bytes = 0;
    for (let i = 0; i < 50; i++) {
      const size = i < 45 ? 700 + i * 31 : 2.5 * MiB + i;
      spec[`secret-dir-${i % 4}/private-file-${i}.dat`] = bytesOf(size, 10 + i);
      bytes += size;
    }
    await writeTree(root, spec);
    const dest = server.addFolder("dest");
    const report = join(dir, "producer.jsonl");
    const producer = runCli(["sync", root, dest.id, "--report", report], env, { timeoutMs: 90_000 });

    // With no worker, the jobs wait: status sees all 50.
    let seen = await status(env);
    for (let i = 0; i < 100 && (seen.jobs.waiting ?? 0) < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await status(env);
    }
    expect(seen.jobs).toEqual({ waiting: 50, active: 0, delayed: 0, failed: 0 });
    expect(seen.workers).toEqual([]);

    const worker = runCli(["worker", "--transfers", "4", "--metrics-addr", "127.0.0.1:0"], env);
    let stderr = "";
    worker.child.stderr!.on("data", (d: string) => (stderr += d));
    await until(() => /metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/.test(stderr), 20_000, "the worker's metrics address");
    const url = /metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(stderr)![1]!;

    const done = await producer.done;
    expect(done.code).toBe(0);
    expect(server.filesByPath(dest.id).size).toBe(50);

    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(sampleSum(text, "box_upload_files_total", { result: "uploaded" })).toBe(50);
    expect(sampleSum(text, "box_upload_files_total")).toBe(50);
    expect(sampleSum(text, "box_upload_file_bytes_sent_total")).toBe(bytes);
    expect(sampleSum(text, "box_upload_files_in_flight")).toBe(0);
    expect(sampleSum(text, "box_upload_parts_in_flight")).toBe(0);
    // 45 direct uploads and 5 sessions, as Box counts uploads; 15 parts among the calls.
    expect(sampleSum(text, "box_upload_requests_total", { kind: "upload", status: "201" })).toBe(50);
    expect(sampleSum(text, "box_upload_requests_total", { kind: "call", status: "200" })).toBeGreaterThanOrEqual(15);
    expect(sampleSum(text, "box_upload_queue_jobs", { state: "waiting" })).toBe(0);
    expect(sampleSum(text, "box_upload_redis_up")).toBe(1);
    // prom-client's process metrics are there too.
    expect(text).toContain("process_resident_memory_bytes");
    expect(text).not.toMatch(/secret-dir|private-file|\.dat/);
    expect(text).not.toContain(DEFAULT_TOKEN);
    expect(text).not.toContain(dir);
    expect((await fetch(url.replace("/metrics", "/other"))).status).toBe(404);

    // Status sees the worker and what it did (its beat follows within a second or so).
    let live = await status(env);
    for (let i = 0; i < 50 && live.workers[0]?.done !== 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      live = await status(env);
    }
    expect(live.workers).toHaveLength(1);
    expect(live.workers[0]).toMatchObject({ in_flight: 0, done: 50, failed: 0 });
    // The fleet's pacer counted every upload it let go (45 direct uploads, 5 sessions), in at most two minutes of Redis's clock.
    expect(live.pace.upload!.this_minute + live.pace.upload!.previous_minute).toBe(50);
    expect(live.pace.upload!.last_minute).toBeGreaterThan(0);
    expect(live.pace.upload!.last_minute).toBeLessThanOrEqual(50);
    expect(live.pace.upload!.ceiling_per_minute).toBe(240 * 0.95);

    worker.child.kill("SIGTERM");
    expect((await worker.done).code).toBe(0);
    expect((await status(env)).workers).toEqual([]);

    // The producer's report: each file once, uploaded, with the id Box holds.
    const lines = (await readFile(report, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { path: string; action: string; id: string; bytes_sent: number });
    expect(lines.map((l) => l.path).sort()).toEqual(Object.keys(spec).sort());
    const inBox = server.filesByPath(dest.id);
    for (const l of lines) expect(l).toMatchObject({ action: "uploaded", id: inBox.get(l.path)!.id, bytes_sent: spec[l.path]!.byteLength });
  } finally {
    await server.stop();
  }
});

test("status with Redis out of reach: exit 7 within its wait, no hang", async () => {
  const r = await runCli(["status", "--redis-wait", "2"], { BOX_SYNC_QUEUE: "redis://127.0.0.1:1/0", HOME: dir }).done;
  expect(r.code).toBe(7);
  expect(r.ms).toBeLessThan(10_000);
  expect(r.stderr).toMatch(/Redis/);
});
