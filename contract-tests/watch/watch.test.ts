/**
 * `box-upload watch` as a service meets it, against the local Box server: files dropped in are in
 * Box within --settle and a little; a file still being written is sent once, whole, after its last
 * write; temporary names are left out; renames and moves keep the Box id; a deletion reaches the
 * trash once it has settled; a file changed while it is read goes up once it settles again; a burst of 10,000 files ends exact (peak RSS printed); what changed
 * while it was stopped is caught up at start; SIGTERM mid chunked file exits 0 and the restart
 * continues the same session.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { appendFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "../support/checks/timing";
import { DEFAULT_TOKEN, LocalBoxServer } from "../support/localBox/server";
import { runCli, type CliRun } from "../support/process/cli";
import { closeAll } from "../support/process/cleanup";
import { bytesOf } from "../support/random";
import { sha1 } from "../support/sha1";
import { watchLimit } from "../../src/platform/node/fsWatch";
import { startRedis } from "../support/redis";
import { localFilesByPath, writeTree } from "../support/tree";

jest.setTimeout(120_000);
const MiB = 1024 * 1024;
const SETTLE = 1000;

let dir: string;
let server: LocalBoxServer;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), "watch-"))));
beforeEach(async () => {
  server = new LocalBoxServer({ minFileSize: 4 * MiB, partSizeFor: () => MiB });
  await server.start();
});
afterEach(async () => {
  await closeAll();
  await server.stop();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Watcher {
  run: CliRun;
  stderr: () => string;
  stop(): Promise<{ code: number | null; stderr: string }>;
}

function watch(root: string, destId: string, extra: string[] = [], env: Record<string, string> = {}): Watcher {
  const run = runCli(["watch", root, destId, "--settle", `${SETTLE}ms`, "--state-dir", join(root, "..", `${destId}-state`), ...extra], {
    BOX_ACCESS_TOKEN: DEFAULT_TOKEN,
    BOX_UPLOAD_BASE_URL: server.baseUrl,
    BOX_API_BASE_URL: server.apiBaseUrl,
    BOX_CHUNKED_THRESHOLD: String(4 * MiB),
    BOX_MAX_UPLOADS_PER_MINUTE: "off",
    BOX_MAX_CALLS_PER_MINUTE: "off",
    HOME: dir,
    ...env,
  });
  let text = "";
  run.child.stderr!.on("data", (d: string) => (text += d));
  return {
    run,
    stderr: () => text,
    async stop() {
      run.child.kill("SIGTERM");
      const r = await run.done;
      return { code: r.code, stderr: r.stderr };
    },
  };
}

const caughtUp = (w: Watcher) => until(() => /watch: caught up/.test(w.stderr()), 30_000, "the catch-up sync");
const inBox = (destId: string, path: string) => server.filesByPath(destId).get(path);

test("dropped files are in Box within --settle and 3 s; temporary names are left out", async () => {
  const root = join(dir, "drop");
  await mkdir(root, { recursive: true });
  const dest = server.addFolder("drop-dest");
  const w = watch(root, dest.id);
  await caughtUp(w);
  const data = bytesOf(5000, 1);
  const dropped = Date.now();
  await writeFile(join(root, "scan-001.pdf"), data);
  await mkdir(join(root, "batch"));
  await writeFile(join(root, "batch", "scan-002.pdf"), bytesOf(7000, 2));
  await writeFile(join(root, "copy.part"), "half");
  await writeFile(join(root, "~$report.docx"), "lock");
  await until(() => inBox(dest.id, "scan-001.pdf") !== undefined && inBox(dest.id, "batch/scan-002.pdf") !== undefined, SETTLE + 3000, "the dropped files in Box");
  expect(Date.now() - dropped).toBeLessThanOrEqual(SETTLE + 3000);
  expect(inBox(dest.id, "scan-001.pdf")!.sha1).toBe(sha1(data));
  await new Promise((r) => setTimeout(r, SETTLE + 500));
  expect(inBox(dest.id, "copy.part")).toBeUndefined();
  expect(inBox(dest.id, "~$report.docx")).toBeUndefined();
  const { code, stderr } = await w.stop();
  expect(code).toBe(0);
  expect(stderr).toContain("uploaded scan-001.pdf (5000 bytes)");
});

test("a file appended to every 500 ms for 6 s is uploaded once, whole, after its last write", async () => {
  const root = join(dir, "growing");
  await mkdir(root, { recursive: true });
  const dest = server.addFolder("growing-dest");
  const w = watch(root, dest.id);
  await caughtUp(w);
  const path = join(root, "instrument.log");
  await writeFile(path, bytesOf(1000, 0));
  let lastWrite = Date.now();
  for (let i = 1; i <= 12; i++) {
    await new Promise((r) => setTimeout(r, 500));
    await appendFile(path, bytesOf(1000, i));
    lastWrite = Date.now();
    // Never in Box while it is still being written.
    expect(inBox(dest.id, "instrument.log")).toBeUndefined();
  }
  await until(() => inBox(dest.id, "instrument.log") !== undefined, SETTLE + 5000, "the file in Box");
  const stored = inBox(dest.id, "instrument.log")!;
  expect(stored.sha1).toBe(sha1(await readFile(path)));
  expect(stored.size).toBe(13 * 1000);
  expect(server.files.get(stored.id)!.versions).toHaveLength(1);
  const upload = server.log.find((r) => r.route === "uploadFile" && decodeURIComponent(r.path).length > 0 && r.status === 201 && r.at >= lastWrite - 50);
  expect(upload).toBeDefined();
  expect(server.log.filter((r) => r.route === "uploadFile" && r.at < lastWrite)).toHaveLength(0);
  expect((await w.stop()).code).toBe(0);
});

test("a file changed while it is read is not whole yet: it settles again and goes up once, as it ends", async () => {
  const root = join(dir, "changed-while-read");
  await mkdir(root, { recursive: true });
  const path = join(root, "disk.img");
  // When the file's first part reaches Box, its writer comes back and changes it in place.
  let changedAt = 0;
  await server.stop();
  server = new LocalBoxServer({
    minFileSize: 4 * MiB,
    partSizeFor: () => MiB,
    before: (ctx) => {
      if (ctx.route === "uploadPart" && changedAt === 0) {
        changedAt = Date.now();
        const fd = openSync(path, "r+");
        writeSync(fd, bytesOf(4096, 77), 0, 4096, 6 * MiB);
        closeSync(fd);
      }
      return undefined;
    },
  });
  await server.start();
  const dest = server.addFolder("changed-while-read-dest");
  const w = watch(root, dest.id);
  await caughtUp(w);
  await writeFile(path, bytesOf(8 * MiB, 76));
  await until(() => inBox(dest.id, "disk.img") !== undefined, 3 * SETTLE + 10_000, "the file in Box");
  const stored = inBox(dest.id, "disk.img")!;
  expect(changedAt).toBeGreaterThan(0);
  expect(stored.sha1).toBe(sha1(await readFile(path)));
  expect(server.files.get(stored.id)!.versions).toHaveLength(1);
  // The first upload was refused before its commit; the second began once the change had settled.
  const sessions = server.log.filter((r) => r.route === "createSessionNewFile" && r.status === 201);
  expect(sessions).toHaveLength(2);
  expect(sessions[1]!.at).toBeGreaterThanOrEqual(changedAt + SETTLE - 50);
  expect(server.log.filter((r) => r.route === "commit")).toHaveLength(1);
  expect((await w.stop()).code).toBe(0);
});

test("a rename and a move keep the Box id; a deletion reaches the trash once it has settled", async () => {
  const root = join(dir, "moving");
  await writeTree(root, { "a.txt": bytesOf(300, 1), "b.txt": bytesOf(400, 2), "sub/keep.txt": bytesOf(10, 3), "gone.txt": bytesOf(50, 4) });
  const dest = server.addFolder("moving-dest");
  const w = watch(root, dest.id, ["--delete"]);
  await caughtUp(w);
  await until(() => server.filesByPath(dest.id).size === 4, 10_000, "the tree in Box");
  const ids = new Map([...server.filesByPath(dest.id)].map(([p, f]) => [p, f.id]));
  await rename(join(root, "a.txt"), join(root, "a-renamed.txt"));
  await rename(join(root, "b.txt"), join(root, "sub", "b.txt"));
  await rm(join(root, "gone.txt"));
  await until(() => inBox(dest.id, "a-renamed.txt") !== undefined && inBox(dest.id, "sub/b.txt") !== undefined && inBox(dest.id, "gone.txt") === undefined, SETTLE + 5000, "the changes in Box");
  expect(inBox(dest.id, "a-renamed.txt")!.id).toBe(ids.get("a.txt"));
  expect(inBox(dest.id, "sub/b.txt")!.id).toBe(ids.get("b.txt"));
  expect(server.state.trash.has(ids.get("gone.txt")!)).toBe(true);
  expect([...server.filesByPath(dest.id).keys()].sort()).toEqual(["a-renamed.txt", "sub/b.txt", "sub/keep.txt"]);
  const { code, stderr } = await w.stop();
  expect(code).toBe(0);
  expect(stderr).toContain("moved    a.txt -> a-renamed.txt");
});

test("a burst of 10,000 small files ends exact; peak RSS printed", async () => {
  const root = join(dir, "burst");
  await mkdir(root, { recursive: true });
  const dest = server.addFolder("burst-dest");
  const w = watch(root, dest.id);
  await caughtUp(w);
  const spec: Record<string, Uint8Array> = {};
  for (let i = 0; i < 10_000; i++) spec[`b${Math.floor(i / 500)}/f${i}.txt`] = bytesOf(20 + (i % 40), i);
  await writeTree(root, spec);
  await until(() => server.filesByPath(dest.id).size === 10_000, 100_000, "10,000 files in Box");
  const status = await readFile(`/proc/${w.run.child.pid}/status`, "utf8");
  const peak = Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
  console.log(`watch: a burst of 10,000 files in 20 folders, peak RSS of the watcher ${(peak / 1e6).toFixed(0)} MB`);
  const local = await localFilesByPath(root);
  const box = server.filesByPath(dest.id);
  for (const [path, f] of local) expect(box.get(path)?.sha1).toBe(f.sha1);
  for (const f of box.values()) expect(server.files.get(f.id)!.versions).toHaveLength(1);
  expect((await w.stop()).code).toBe(0);
});

test("what changed while the watcher was stopped is in Box once it starts again", async () => {
  const root = join(dir, "downtime");
  await writeTree(root, { "stays.txt": bytesOf(100, 1), "changes.txt": bytesOf(200, 2), "renamed.txt": bytesOf(300, 3), "deleted.txt": bytesOf(400, 4) });
  const dest = server.addFolder("downtime-dest");
  const first = watch(root, dest.id, ["--delete"]);
  await caughtUp(first);
  await until(() => server.filesByPath(dest.id).size === 4, 10_000, "the tree in Box");
  expect((await first.stop()).code).toBe(0);
  const ids = new Map([...server.filesByPath(dest.id)].map(([p, f]) => [p, f.id]));
  await writeFile(join(root, "added.txt"), "new");
  await writeFile(join(root, "changes.txt"), bytesOf(200, 22));
  await rename(join(root, "renamed.txt"), join(root, "renamed-now.txt"));
  await rm(join(root, "deleted.txt"));
  // Past the settle time, so the catch-up takes every change at once.
  await new Promise((r) => setTimeout(r, SETTLE + 200));
  const second = watch(root, dest.id, ["--delete"]);
  await caughtUp(second);
  const local = await localFilesByPath(root);
  const box = server.filesByPath(dest.id);
  expect([...box.keys()].sort()).toEqual([...local.keys()].sort());
  for (const [path, f] of local) expect(box.get(path)?.sha1).toBe(f.sha1);
  expect(box.get("renamed-now.txt")!.id).toBe(ids.get("renamed.txt"));
  expect(server.state.trash.has(ids.get("deleted.txt")!)).toBe(true);
  expect((await second.stop()).code).toBe(0);
});

test("--transfers is the watcher's files in flight: with 1, one upload at a time", async () => {
  // Every answer 200 ms late: uploads one at a time arrive at least that far apart.
  await server.stop();
  server = new LocalBoxServer({ minFileSize: 4 * MiB, partSizeFor: () => MiB, latencyMs: 200 });
  await server.start();
  const root = join(dir, "one-at-a-time");
  await writeTree(root, Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`f${i}.txt`, bytesOf(100 + i, i + 1)])));
  const dest = server.addFolder("one-at-a-time-dest");
  const mark = server.log.length;
  const w = watch(root, dest.id, ["--transfers", "1"]);
  await until(() => server.filesByPath(dest.id).size === 5, 20_000, "the five files in Box");
  expect((await w.stop()).code).toBe(0);
  const arrivals = server.log.slice(mark).filter((r) => r.route === "uploadFile").map((r) => r.at).sort((a, b) => a - b);
  expect(arrivals).toHaveLength(5);
  for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]! - arrivals[i - 1]!).toBeGreaterThanOrEqual(190);
});

test("SIGTERM during a chunked upload exits 0; the restart continues the same session", async () => {
  const slow = new LocalBoxServer({ minFileSize: 4 * MiB, partSizeFor: () => MiB, bytesPerSecond: 2_000_000 });
  await slow.start();
  const saved = server;
  server = slow;
  try {
    const root = join(dir, "chunked");
    await mkdir(root, { recursive: true });
    const dest = slow.addFolder("chunked-dest");
    const big = bytesOf(12 * MiB, 77);
    await writeFile(join(root, "big.bin"), big);
    await new Promise((r) => setTimeout(r, SETTLE + 200));
    const first = watch(root, dest.id, ["--concurrency", "1"]);
    await until(() => slow.log.filter((r) => r.route === "uploadPart" && r.status === 200).length >= 3, 60_000, "three parts stored");
    const sessions = new Set(slow.log.filter((r) => r.route === "uploadPart").map((r) => r.sessionId));
    expect(sessions.size).toBe(1);
    const stopped = await first.stop();
    expect(stopped.code).toBe(0);
    const second = watch(root, dest.id, ["--concurrency", "4"]);
    await until(() => inBox(dest.id, "big.bin") !== undefined, 60_000, "the file in Box");
    expect(inBox(dest.id, "big.bin")!.sha1).toBe(sha1(big));
    // The same session, continued: no second one was opened.
    expect(new Set(slow.log.filter((r) => r.route === "uploadPart").map((r) => r.sessionId)).size).toBe(1);
    expect(slow.log.filter((r) => r.route.startsWith("createSession"))).toHaveLength(1);
    expect((await second.stop()).code).toBe(0);
  } finally {
    server = saved;
    await slow.stop();
  }
});

test("watch --queue feeds the fleet's workers: settled files become jobs, the watcher's moves are its own", async () => {
  const redis = await startRedis();
  const root = join(dir, "fleet-watch");
  await writeTree(root, { "first.txt": bytesOf(100, 1) });
  const dest = server.addFolder("fleet-watch-dest");
  const worker = runCli(["worker", "--queue", redis.url], {
    BOX_ACCESS_TOKEN: DEFAULT_TOKEN,
    BOX_UPLOAD_BASE_URL: server.baseUrl,
    BOX_API_BASE_URL: server.apiBaseUrl,
    BOX_MAX_UPLOADS_PER_MINUTE: "off",
    BOX_MAX_CALLS_PER_MINUTE: "off",
  });
  let workerOut = "";
  worker.child.stderr!.on("data", (d: string) => (workerOut += d));
  const w = watch(root, dest.id, ["--delete", "--queue", redis.url]);
  try {
    await caughtUp(w);
    await until(() => inBox(dest.id, "first.txt") !== undefined, 10_000, "the first file in Box");
    const id = inBox(dest.id, "first.txt")!.id;
    await writeFile(join(root, "second.txt"), bytesOf(200, 2));
    await rename(join(root, "first.txt"), join(root, "first-renamed.txt"));
    await until(() => inBox(dest.id, "second.txt") !== undefined && inBox(dest.id, "first-renamed.txt") !== undefined, SETTLE + 8000, "the changes in Box");
    expect(inBox(dest.id, "first-renamed.txt")!.id).toBe(id);
    // The workers sent the files; the move was the watcher's. (A worker says so once Box answered,
    // so its line can come a moment after the file is in Box: waited for, under a load.)
    await until(() => /uploaded second\.txt/.test(workerOut), 10_000, "the worker's line for second.txt");
    expect(workerOut).toMatch(/uploaded first\.txt/);
    expect(workerOut).toMatch(/uploaded second\.txt/);
    expect(workerOut).not.toMatch(/first-renamed/);
    expect((await w.stop()).code).toBe(0);
  } finally {
    worker.child.kill("SIGTERM");
    await worker.done;
    await redis.stop();
  }
});

test("the watched folder removed and made again: said, waited for, and caught up whole", async () => {
  const root = join(dir, "reborn");
  await writeTree(root, { "before.txt": bytesOf(100, 1) });
  const dest = server.addFolder("reborn-dest");
  const w = watch(root, dest.id);
  await caughtUp(w);
  await until(() => inBox(dest.id, "before.txt") !== undefined, 10_000, "the first file");
  await rm(root, { recursive: true, force: true });
  await until(() => /the watched folder is gone/.test(w.stderr()), 10_000, "the watcher to say the folder is gone");
  await writeTree(root, { "after.txt": bytesOf(200, 2) });
  await until(() => /the watched folder is back/.test(w.stderr()), 10_000, "the watcher to say it is back");
  await until(() => inBox(dest.id, "after.txt") !== undefined, SETTLE + 8000, "the new file in Box");
  expect((await w.stop()).code).toBe(0);
});

test("the system's watch limit reached is a clear error that names fs.inotify.max_user_watches", () => {
  const err = watchLimit(new Error("inotify_add_watch failed: No space left on device"));
  expect(err?.name).toBe("BoxInputError");
  expect(err?.message).toContain("fs.inotify.max_user_watches");
  expect(watchLimit(new Error("EACCES: permission denied"))).toBeUndefined();
});
