/**
 * A sync spread over a fleet, as an operator runs it: a redis-server of the test's own, the local
 * Box server with Box's per-user limits on (scaled to a 1 s window) and shaped so files take time,
 * one `box-upload sync --queue` producer and three `box-upload worker`s, all acting as one Box
 * user. One worker is killed with -9 in the middle of a chunked file, another is stopped with
 * SIGTERM in the middle of one; the last finishes the tree. Then: the tree in Box is the local
 * one, every file has exactly one new version, the killed worker's session was continued (no
 * session opened twice), the fleet stayed under the one user's limits, a rerun skips everything,
 * Redis never held the token, and the run's job data is gone.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_TOKEN, LocalBoxServer } from "../support/localBox/server";
import { runCli, type CliRun } from "../support/process/cli";
import { closeAll } from "../support/process/cleanup";
import { bytesOf } from "../support/random";
import { dumpRedis, startRedis, type LocalRedis } from "../support/redis";
import { sha1 } from "../support/sha1";
import { until } from "../support/checks/timing";
import { localFilesByPath, writeTree } from "../support/tree";

jest.setTimeout(150_000);
const THRESHOLD = 1_000_000;
const MiB = 1024 * 1024;
const LIMITS = { uploadsPerMinute: 1200, callsPerMinute: 6000, windowMs: 1000 };

let dir: string;
let redis: LocalRedis;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fleet-"));
  redis = await startRedis();
});
afterEach(() => closeAll());
afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Worker {
  run: CliRun;
  stderr: () => string;
}

/** A worker process whose stderr is readable while it runs. */
function worker(env: NodeJS.ProcessEnv, args: string[] = []): Worker {
  const run = runCli(["worker", "--transfers", "4", "--concurrency", "2", "--stall-timeout", "4", ...args], env);
  let text = "";
  run.child.stderr!.on("data", (d: string) => (text += d));
  return { run, stderr: () => text };
}

/** The workers holding a resume lock right now, by pid, with the state's name and its parts so far. */
async function heldStates(): Promise<{ pid: number; name: string; sessionId: string; parts: number }[]> {
  const out = [];
  for (const lock of await redis.client.keys("box-upload:state:*:lock")) {
    const owner = await redis.client.get(lock);
    const name = lock.split(":")[2]!;
    const state = await redis.client.get(`box-upload:state:${name}`);
    if (!owner || !state) continue;
    const parsed = JSON.parse(state) as { sessionId: string; parts: unknown[] };
    out.push({ pid: Number(owner.split(":")[1]), name, sessionId: parsed.sessionId, parts: parsed.parts.length });
  }
  return out;
}

async function waitForHeld(pids: number[], what: string): Promise<{ pid: number; name: string; sessionId: string; parts: number }> {
  const end = Date.now() + 60_000;
  for (;;) {
    const found = (await heldStates()).find((h) => pids.includes(h.pid) && h.parts >= 1);
    if (found) return found;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("three workers and a producer: a worker killed with -9 and one stopped with SIGTERM mid-file lose nothing, one version per file, one user's limits, a rerun skips all, no token in Redis", async () => {
  const server = new LocalBoxServer({ minFileSize: THRESHOLD, partSizeFor: () => MiB, bytesPerSecond: 2_000_000, latencyMs: 5, rateLimits: LIMITS });
  await server.start();
  try {
    const root = join(dir, "tree");
    const spec: Record<string, Uint8Array> = {};
    for (let i = 0; i < 150; i++) spec[`small ${i % 5}/f${String(i).padStart(2, "0")}.txt`] = bytesOf(500 + i * 97, 1000 + i);
    for (let i = 0; i < 8; i++) spec[`big/part ${i}.bin`] = bytesOf(5 * MiB + i * 1000, 2000 + i);
    spec["same.txt"] = bytesOf(4000, 3000);
    spec["changed.txt"] = bytesOf(5000, 3001);
    await writeTree(root, spec);
    const dest = server.addFolder("fleet-dest");
    server.addFile("same.txt", spec["same.txt"], dest.id);
    const changed = server.addFile("changed.txt", bytesOf(5000, 9999), dest.id);

    const env = {
      BOX_ACCESS_TOKEN: DEFAULT_TOKEN,
      BOX_CHUNKED_THRESHOLD: String(THRESHOLD),
      BOX_UPLOAD_BASE_URL: server.baseUrl,
      BOX_API_BASE_URL: server.apiBaseUrl,
      BOX_SYNC_QUEUE: redis.url,
      BOX_MAX_UPLOADS_PER_MINUTE: String(LIMITS.uploadsPerMinute),
      BOX_MAX_CALLS_PER_MINUTE: String(LIMITS.callsPerMinute),
      HOME: dir,
    };
    const workers = [worker(env), worker(env), worker(env)];
    await until(() => workers.every((w) => /worker: taking files from redis:\/\/127\.0\.0\.1:\d+\/0/.test(w.stderr())), 20_000, "three workers ready");
    const started = Date.now();
    const producer = runCli(["sync", root, dest.id, "--json"], env, { timeoutMs: 120_000 });

    // The first worker found part way through a chunked file dies with -9.
    const pids = workers.map((w) => w.run.child.pid!);
    const killed = await waitForHeld(pids, "a worker in the middle of a chunked file");
    const midRun = await dumpRedis(redis.client);
    const victim = workers[pids.indexOf(killed.pid)]!;
    victim.run.child.kill("SIGKILL");
    expect((await victim.run.done).signal).toBe("SIGKILL");

    // The next one found so is told to stop: it hands its files back and exits 0, at once.
    const stopped = await waitForHeld(pids.filter((p) => p !== killed.pid), "a live worker in the middle of a chunked file");
    const quitter = workers[pids.indexOf(stopped.pid)]!;
    const survivor = workers.find((w) => w !== victim && w !== quitter)!;
    const termAt = Date.now();
    quitter.run.child.kill("SIGTERM");
    const term = await quitter.run.done;
    expect(term.code).toBe(0);
    expect(Date.now() - termAt).toBeLessThan(10_000);
    expect(term.stderr).toMatch(/worker: stopped; files in flight were handed back to the queue\n$/);

    const first = await producer.done;
    const seconds = (Date.now() - started) / 1000;
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary).toMatchObject({ uploaded: 158, versioned: 1, skipped: 1, failed: 0, folders_created: 6, failures: [] });

    // The tree in Box is the local one, byte for byte.
    const local = await localFilesByPath(root);
    const box = server.filesByPath(dest.id);
    expect([...box.keys()].sort()).toEqual([...local.keys()].sort());
    for (const [path, f] of local) expect(box.get(path)?.sha1).toBe(f.sha1);
    // One new version per file: new files hold one, the changed file its first and ours.
    for (const [path, f] of box) {
      const versions = server.files.get(f.id)!.versions.length;
      expect({ path, versions }).toEqual({ path, versions: path === "changed.txt" ? 2 : 1 });
    }
    expect(server.files.get(changed.id)!.versions.at(-1)!.sha1).toBe(sha1(spec["changed.txt"]!));
    // The two files taken from workers mid-way were continued in the sessions they had open.
    for (const s of [killed, stopped]) expect(server.log.filter((r) => r.route === "commit" && r.sessionId === s.sessionId && r.status === 201)).toHaveLength(1);

    // One Box user's limits for the whole fleet: next to no 429, and the time the limit allows.
    const stats = server.limitStats!;
    expect(stats.refused.upload + stats.refused.call).toBeLessThanOrEqual(2);
    expect(seconds).toBeGreaterThanOrEqual((stats.accepted.upload - 20) / (LIMITS.uploadsPerMinute / 60));

    // Redis never held the token; the run's jobs, its events and its resume states are gone.
    const afterRun = await dumpRedis(redis.client);
    for (const dump of [midRun, afterRun]) expect(dump).not.toContain(DEFAULT_TOKEN);
    expect(midRun).toMatch(/box-upload:state:[0-9a-f]{40} \(string\)/);
    expect(afterRun).not.toMatch(/box-upload:sync:[0-9a-f]{40}/);
    expect(afterRun).not.toMatch(/box-upload:state:/);
    expect(afterRun).not.toMatch(/box-upload:sync:events/);
    expect(await redis.client.llen("box-upload:sync:wait")).toBe(0);

    // Each live worker said one line per file it settled.
    const lines = workers.flatMap((w) => w.stderr().split("\n")).filter((l) => /^(uploaded|versioned|skipped) /.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(160 - 8);

    // The same sync again: everything skipped, nothing sent.
    const second = await runCli(["sync", root, dest.id, "--json"], env, { timeoutMs: 60_000 }).done;
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ uploaded: 0, versioned: 0, skipped: 160, failed: 0, bytes_sent: 0 });

    // The last worker, idle, stops cleanly.
    survivor.run.child.kill("SIGTERM");
    const last = await survivor.run.done;
    expect(last.code).toBe(0);
    expect(await dumpRedis(redis.client)).not.toContain(DEFAULT_TOKEN);
  } finally {
    await server.stop();
  }
});
