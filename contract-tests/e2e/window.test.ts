/**
 * A nightly run as fast as Box allows and inside its window: folders are listed several at once,
 * so a rerun of a tree of many folders is bounded by Box's call rate, not latency times the number
 * of folders; --max-transfer sends no more than it says and --max-duration starts nothing after
 * its time, each ending with its own exit code and a last line that says what was left.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BoxUploadClient } from "../../src";
import { DEFAULT_TOKEN, LocalBoxServer } from "../support/localBox/server";
import { runCli } from "../support/process/cli";
import { bytesOf } from "../support/random";
import { localFilesByPath, writeTree } from "../support/tree";

jest.setTimeout(120_000);
const MiB = 1024 * 1024;
let dir: string;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), "window-"))));
afterAll(() => rm(dir, { recursive: true, force: true }));

test("a rerun of 320 folders at 150 ms per answer, under Box's call limit, takes at most 1.3x what the limit allows", async () => {
  const server = new LocalBoxServer({ latencyMs: 150, rateLimits: { callsPerMinute: 1000, uploadsPerMinute: 240 } });
  await server.start();
  const client = new BoxUploadClient({ token: DEFAULT_TOKEN, baseUrl: server.baseUrl, apiBaseUrl: server.apiBaseUrl });
  try {
    // 600 files in 320 folders (20 groups of 16), already in Box: the run lists and compares.
    const root = join(dir, "folders");
    const spec: Record<string, Uint8Array> = {};
    for (let i = 0; i < 600; i++) spec[`g${Math.floor((i % 320) / 16)}/f${i % 16}/file${i}.txt`] = bytesOf(100 + (i % 50), i);
    await writeTree(root, spec);
    const dest = server.addFolder("folders-dest");
    for (const [path, bytes] of Object.entries(spec)) {
      const parts = path.split("/");
      server.addFile(parts.pop()!, bytes, server.addFolders(parts.join("/"), dest.id).id);
    }
    const before = server.limitStats!.accepted.call;
    const started = Date.now();
    const summary = await client.syncFolder(root, dest.id);
    const seconds = (Date.now() - started) / 1000;
    expect(summary).toMatchObject({ skipped: 600, uploaded: 0, failed: 0, foldersCreated: 0 });
    const calls = server.limitStats!.accepted.call - before;
    // 20 group folders, 320 leaves, and the root: one listing each.
    expect(calls).toBe(341);
    const allowed = calls / (1000 * 0.95 / 60);
    console.log(`${calls} listings at 150 ms an answer, paced to 950 calls a minute: ${seconds.toFixed(1)} s, ${(seconds / allowed).toFixed(2)}x what the limit allows (${allowed.toFixed(1)} s)`);
    // One folder at a time it took calls x 150 ms and more (51 s); several at once, the limit.
    expect(seconds).toBeLessThanOrEqual(1.3 * allowed);
    expect(server.limitStats!.refused.call).toBe(0);
  } finally {
    await client.close();
    await server.stop();
  }
});

describe("the run's window", () => {
  let server: LocalBoxServer;
  let env: Record<string, string>;
  beforeAll(async () => {
    server = new LocalBoxServer({ minFileSize: 1_000_000, partSizeFor: () => MiB, bytesPerSecond: 8_000_000 });
    await server.start();
    env = { BOX_ACCESS_TOKEN: DEFAULT_TOKEN, HOME: dir, BOX_UPLOAD_BASE_URL: server.baseUrl, BOX_API_BASE_URL: server.apiBaseUrl, BOX_CHUNKED_THRESHOLD: "1000000" };
  });
  afterAll(() => server.stop());

  test("--max-transfer 10M on a 30 MB tree sends at most 10 MiB, says what is left, exit 9; the next runs finish it", async () => {
    const root = join(dir, "budget");
    const spec: Record<string, Uint8Array> = {};
    for (let i = 0; i < 6; i++) spec[`f${i}.bin`] = bytesOf(5_000_000, 50 + i);
    await writeTree(root, spec);
    const dest = server.addFolder("budget-dest");
    const r = await runCli(["sync", root, dest.id, "--max-transfer", "10M", "--json"], env).done;
    expect(r.code).toBe(9);
    const summary = JSON.parse(r.stdout);
    expect(summary.bytes_sent).toBeLessThanOrEqual(10 * MiB);
    expect(summary.uploaded).toBe(2);
    expect(summary).toMatchObject({ deferred: 4, bytes_deferred: 20_000_000, stopped: "max-transfer", failed: 0 });
    expect(server.filesByPath(dest.id).size).toBe(2);
    const plain = await runCli(["sync", root, dest.id, "--max-transfer", "10M"], env).done;
    expect(plain.code).toBe(9);
    expect(plain.stderr).toMatch(/^stopped: --max-transfer reached; 2 files \(10\.0 MB\) and any not reached yet are left for the next run$/m);
    const last = await runCli(["sync", root, dest.id, "--max-transfer", "10M", "--json"], env).done;
    expect(last.code).toBe(0);
    expect(JSON.parse(last.stdout)).toMatchObject({ uploaded: 2, skipped: 4, deferred: 0, stopped: null });
  });

  test("--max-duration: nothing starts after it, files in flight finish (soft) or stop and keep their state (hard), exit 9", async () => {
    const root = join(dir, "duration");
    const spec: Record<string, Uint8Array> = {};
    for (let i = 0; i < 12; i++) spec[`d${i}.bin`] = bytesOf(3_000_000, 80 + i);
    await writeTree(root, spec);
    const dest = server.addFolder("duration-dest");
    const state = join(dir, "duration-state");
    // 8 MB/s per request: each file takes about 0.4 s; four at a time; the window closes at 0.5 s.
    const soft = await runCli(["sync", root, dest.id, "--max-duration", "500ms", "--transfers", "4", "--state-dir", state, "--json"], env).done;
    expect(soft.code).toBe(9);
    const s1 = JSON.parse(soft.stdout);
    expect(s1.stopped).toBe("max-duration");
    expect(s1.uploaded).toBeGreaterThanOrEqual(1);
    expect(s1.uploaded).toBeLessThan(12);
    expect(s1.failed).toBe(0);
    const hard = await runCli(["sync", root, dest.id, "--max-duration", "200ms", "--cutoff", "hard", "--transfers", "4", "--state-dir", state, "--json"], env).done;
    expect(hard.code).toBe(9);
    const s2 = JSON.parse(hard.stdout);
    expect(s2).toMatchObject({ stopped: "max-duration", failed: 0 });
    expect(s2.deferred).toBeGreaterThanOrEqual(1);
    const done = await runCli(["sync", root, dest.id, "--state-dir", state, "--json"], env).done;
    expect(done.code).toBe(0);
    const local = await localFilesByPath(root);
    const box = server.filesByPath(dest.id);
    expect(box.size).toBe(12);
    for (const [path, f] of local) expect(box.get(path)?.sha1).toBe(f.sha1);
    for (const f of box.values()) expect(server.files.get(f.id)!.versions).toHaveLength(1);
  });
});
