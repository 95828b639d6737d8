/**
 * A fleet against its own Redis going away, with a real redis-server that the tests keep out of
 * reach, stop and start again: a producer (a job) gives up after --redis-wait with one line that
 * names the host and the network exit code, and ends at once on SIGTERM; a worker (a service)
 * keeps trying with backoff, a short line per attempt, and exits 0 on SIGTERM whether or not Redis
 * answers; a Redis restart mid-run costs a line when it starts and one when it ends, and no file is
 * reported failed; a password reaches Redis only through BOX_SYNC_QUEUE and is never printed.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "../support/checks/timing";
import { DEFAULT_TOKEN, LocalBoxServer } from "../support/localBox/server";
import { runCli, type CliRun } from "../support/process/cli";
import { closeAll } from "../support/process/cleanup";
import { bytesOf } from "../support/random";
import { freePort, startRedis } from "../support/redis";
import { localFilesByPath, writeTree } from "../support/tree";

jest.setTimeout(120_000);
const MiB = 1024 * 1024;
const STACK = /^\s+at /m;

let dir: string;
let server: LocalBoxServer;
let root: string;
let destId: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "outage-"));
  root = join(dir, "tree");
  const spec: Record<string, Uint8Array> = {};
  for (let i = 0; i < 24; i++) spec[`small/f${String(i).padStart(2, "0")}.txt`] = bytesOf(2000 + i * 131, 500 + i);
  for (let i = 0; i < 4; i++) spec[`big/b${i}.bin`] = bytesOf(3 * MiB + i, 600 + i);
  await writeTree(root, spec);
});
beforeEach(async () => {
  // Slow enough that a run lasts a few seconds (a restart lands mid-run), fast enough for a test.
  server = new LocalBoxServer({ minFileSize: 1_000_000, partSizeFor: () => MiB, bytesPerSecond: 3_000_000, latencyMs: 5 });
  await server.start();
  destId = server.addFolder("dest").id;
});
afterEach(async () => {
  await closeAll();
  await server.stop();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const env = (queue?: string): NodeJS.ProcessEnv => ({
  BOX_ACCESS_TOKEN: DEFAULT_TOKEN,
  BOX_CHUNKED_THRESHOLD: "1000000",
  BOX_UPLOAD_BASE_URL: server.baseUrl,
  BOX_API_BASE_URL: server.apiBaseUrl,
  BOX_MAX_UPLOADS_PER_MINUTE: "off",
  BOX_MAX_CALLS_PER_MINUTE: "off",
  HOME: dir,
  ...(queue ? { BOX_SYNC_QUEUE: queue } : {}),
});

function watched(run: CliRun): CliRun & { stderr: () => string } {
  let text = "";
  run.child.stderr!.on("data", (d: string) => (text += d));
  return { ...run, stderr: () => text };
}

describe("Redis out of reach", () => {
  test("a producer gives up after --redis-wait with one line naming the host, exit 7; no stack trace", async () => {
    const port = await freePort();
    const r = await runCli(["sync", root, destId, "--queue", `redis://127.0.0.1:${port}/0`, "--redis-wait", "2"], env(), { timeoutMs: 30_000 }).done;
    expect(r.code).toBe(7);
    expect(r.ms).toBeLessThan(12_000);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).toContain(`Redis at redis://127.0.0.1:${port}/0`);
    expect(r.stderr).toMatch(/BoxNetworkError: queue: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/0 \(ECONNREFUSED\); gave up after 2 s/);
    expect(r.stderr.trim().split("\n").length).toBeLessThanOrEqual(3);
  });

  test("a producer waiting for Redis ends at once on SIGTERM (exit 4)", async () => {
    const port = await freePort();
    const run = watched(runCli(["sync", root, destId, "--queue", `redis://127.0.0.1:${port}/0`, "--redis-wait", "120"], env(), { timeoutMs: 60_000 }));
    await until(() => /cannot reach Redis/.test(run.stderr()), 10_000, "the producer to say it cannot reach Redis");
    const at = Date.now();
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.code).toBe(4);
    expect(Date.now() - at).toBeLessThan(5_000);
    expect(r.stderr).not.toMatch(STACK);
  });

  test("a worker keeps trying with backoff, a short line per attempt; SIGTERM exits 0 within seconds", async () => {
    const port = await freePort();
    const run = watched(runCli(["worker", "--queue", `redis://127.0.0.1:${port}/0`], env(), { timeoutMs: 60_000 }));
    await until(() => (run.stderr().match(/unreachable|cannot reach/g) ?? []).length >= 3, 15_000, "three attempts said");
    const at = Date.now();
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(Date.now() - at).toBeLessThan(5_000);
    expect(r.stderr).not.toMatch(STACK);
    const attempts = r.stderr.split("\n").filter((l) => /Redis at redis:\/\/127\.0\.0\.1:\d+\/0/.test(l));
    expect(attempts[0]).toMatch(/^queue: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/0 \(ECONNREFUSED\); trying again in/);
    expect(attempts[1]).toMatch(/still unreachable \(ECONNREFUSED\), attempt 2; trying again in/);
    // Backoff: the attempts slow down (0.5 s, 1 s, 2 s, …), so a few seconds hold only a few lines.
    expect(attempts.length).toBeLessThanOrEqual(8);
    for (const line of attempts) expect(line.length).toBeLessThanOrEqual(120);
  });
});

test("Redis restarted mid-run: every file once, none reported failed, a line when the outage starts and one when it ends", async () => {
  const redis = await startRedis();
  const worker = watched(runCli(["worker", "--transfers", "4", "--concurrency", "2", "--stall-timeout", "3"], env(redis.url), { timeoutMs: 110_000 }));
  await until(() => /worker: taking files/.test(worker.stderr()), 20_000, "the worker ready");
  const producer = watched(runCli(["sync", root, destId, "--redis-wait", "60"], env(redis.url), { timeoutMs: 110_000 }));
  // Part way through: some files in Box, some not.
  await until(() => server.filesByPath(destId).size >= 4, 60_000, "four files in Box");
  expect(server.filesByPath(destId).size).toBeLessThan(28);
  await redis.stop();
  await new Promise((r) => setTimeout(r, 1500));
  const again = await startRedis({ port: redis.port });
  const r = await producer.done;
  expect(r.code).toBe(0);
  const [, uploaded, skipped, failed] = /^synced: (\d+) uploaded, 0 versioned, (\d+) skipped, (\d+) failed/m.exec(r.stdout)!.map(Number);
  expect(failed).toBe(0);
  expect(uploaded! + skipped!).toBe(28);
  // The tree in Box is the local one, each file in one version.
  const local = await localFilesByPath(root);
  const box = server.filesByPath(destId);
  expect([...box.keys()].sort()).toEqual([...local.keys()].sort());
  for (const [path, f] of local) expect(box.get(path)?.sha1).toBe(f.sha1);
  for (const f of box.values()) expect(server.files.get(f.id)!.versions).toHaveLength(1);
  // The producer said the outage once when it began and once when it ended; nobody printed a stack.
  expect(r.stderr).not.toMatch(STACK);
  expect(r.stderr.split("\n").filter((l) => /^queue: cannot reach Redis/.test(l))).toHaveLength(1);
  expect(r.stderr.split("\n").filter((l) => /^queue: Redis at .* answers again/.test(l))).toHaveLength(1);
  worker.child.kill("SIGTERM");
  const w = await worker.done;
  expect(w.code).toBe(0);
  expect(w.stderr).not.toMatch(STACK);
  expect(w.stderr).not.toMatch(/^failed /m);
  await again.stop();
});

describe("a password for Redis", () => {
  const PASSWORD = "s3cret-redis-pw-4471";

  test("in --queue it is refused before anything connects (exit 2, pointing at BOX_SYNC_QUEUE), and never echoed", async () => {
    for (const args of [["sync", root, destId], ["worker"]]) {
      const r = await runCli([...args, "--queue", `redis://:${PASSWORD}@127.0.0.1:1/0`], env(), { timeoutMs: 20_000 }).done;
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("BOX_SYNC_QUEUE");
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    }
  });

  test("through BOX_SYNC_QUEUE it works, and no line, hint, JSON or --verbose line ever holds it", async () => {
    const redis = await startRedis({ password: PASSWORD });
    expect(redis.url).toContain(PASSWORD);
    // No worker: the producer queues and waits, and is interrupted there.
    const producer = watched(runCli(["sync", root, destId, "--verbose"], env(redis.url), { timeoutMs: 60_000 }));
    await until(() => /GET \/2\.0\/folders/.test(producer.stderr()), 20_000, "the walk under way");
    await new Promise((r) => setTimeout(r, 500));
    producer.child.kill("SIGINT");
    const r = await producer.done;
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("to continue, run the same command again");
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    const json = await runCli(["sync", join(dir, "missing"), destId, "--json"], env(redis.url), { timeoutMs: 30_000 }).done;
    expect(json.code).toBe(5);
    expect(json.stdout + json.stderr).not.toContain(PASSWORD);
    await redis.stop();
  });
});
