/**
 * A nightly rerun that costs what changed: the index in the state folder lets a rerun skip every
 * unchanged file without reading it, while a file rewritten with its size and old mtime put back
 * is still found changed (its ctime moved) and uploaded; `checksum` hashes everything; the index is
 * private to the user, holds no secret, and a run killed with -9 leaves it whole (never an entry
 * that skips a changed file).
 */
import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHarness, type Harness } from "../support/harness";
import { BoxUploadClient } from "../../src";
import { DEFAULT_TOKEN, LocalBoxServer } from "../support/localBox/server";
import { runCli } from "../support/process/cli";
import { bytesOf, writeRandomFile } from "../support/random";
import { localFilesByPath, writeTree } from "../support/tree";

jest.setTimeout(240_000);
const MiB = 1024 * 1024;
let h: Harness;
let dir: string;
beforeAll(async () => {
  h = await startHarness({ minFileSize: 4 * MiB, partSizeFor: () => 8 * MiB }, { uploadDefaults: { chunkedThreshold: 4 * MiB } });
  dir = await mkdtemp(join(tmpdir(), "index-"));
});
afterAll(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});

test("a rerun of an unchanged tree of over 1 GB reads under 2% of its bytes; --checksum reads it all", async () => {
  // Straight to the local server (no validating proxy: a gigabyte through it is a test of the proxy).
  const server = new LocalBoxServer({ minFileSize: 4 * MiB, partSizeFor: () => 8 * MiB });
  await server.start();
  const client = new BoxUploadClient({ token: DEFAULT_TOKEN, baseUrl: server.baseUrl, apiBaseUrl: server.apiBaseUrl, rateLimits: "off", uploadDefaults: { chunkedThreshold: 4 * MiB } });
  const root = join(dir, "big");
  try {
    for (let i = 0; i < 8; i++) {
      await mkdir(join(root, `part ${i}`), { recursive: true });
      await writeRandomFile(join(root, `part ${i}`, `data${i}.bin`), 128 * MiB + i);
    }
    await writeTree(root, Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`small/s${i}.txt`, bytesOf(1000 + i, i)])));
    const total = 8 * 128 * MiB + 28 + 40 * 1000 + 780;
    expect(total).toBeGreaterThan(1_000_000_000);
    const dest = server.addFolder("big-dest");
    const stateDir = join(dir, "state-big");
    // Past the racy window: a file written within 2 s of being indexed is hashed again next time.
    await new Promise((r) => setTimeout(r, 2100));
    const first = await client.syncFolder(root, dest.id, { stateDir });
    expect(first).toMatchObject({ uploaded: 48, failed: 0 });
    const rerun = await client.syncFolder(root, dest.id, { stateDir });
    expect(rerun).toMatchObject({ skipped: 48, uploaded: 0, versioned: 0, failed: 0, bytesSent: 0 });
    expect(rerun.bytesRead).toBeLessThan(total * 0.02);
    console.log(`index: a rerun of ${total} bytes read ${rerun.bytesRead} of them`);
    const hashed = await client.syncFolder(root, dest.id, { stateDir, checksum: true });
    expect(hashed).toMatchObject({ skipped: 48, bytesSent: 0 });
    expect(hashed.bytesRead).toBe(total);
  } finally {
    await client.close();
    await server.stop();
    await rm(root, { recursive: true, force: true });
  }
});

test("a file rewritten with the same size and its old mtime put back is found changed and uploaded", async () => {
  const root = join(dir, "rewrite");
  await writeTree(root, { "a.txt": bytesOf(5000, 1), "b.txt": bytesOf(5000, 2), "c/d.bin": bytesOf(6 * MiB, 3) });
  // Whole seconds, so the old mtime can be put back exactly, to the nanosecond.
  const then = Math.floor(Date.now() / 1000) - 3600;
  for (const f of ["a.txt", "b.txt", "c/d.bin"]) await utimes(join(root, f), then, then);
  const dest = h.server.addFolder("rewrite-dest");
  const stateDir = join(dir, "state-rewrite");
  await h.client.syncFolder(root, dest.id, { stateDir });
  const old = await stat(join(root, "a.txt"), { bigint: true });
  await writeFile(join(root, "a.txt"), bytesOf(5000, 9));
  await utimes(join(root, "a.txt"), then, then);
  await writeFile(join(root, "c/d.bin"), bytesOf(6 * MiB, 8));
  await utimes(join(root, "c/d.bin"), then, then);
  // Size and mtime as they were, to the nanosecond: only the ctime tells.
  const now = await stat(join(root, "a.txt"), { bigint: true });
  expect([now.size, now.mtimeNs]).toEqual([old.size, old.mtimeNs]);
  expect(now.ctimeNs).not.toBe(old.ctimeNs);
  const second = await h.client.syncFolder(root, dest.id, { stateDir });
  expect(second).toMatchObject({ versioned: 2, skipped: 1, failed: 0 });
  const local = await localFilesByPath(root);
  const box = h.server.filesByPath(dest.id);
  for (const [path, f] of local) expect(box.get(path)?.sha1).toBe(f.sha1);
  // b.txt was not read again: the bytes read are the two rewritten files' (hashed, then sent), and
  // the first and last 64 KiB of the chunked one, read for its resume state's fingerprint.
  expect(second.bytesRead).toBe(2 * 5000 + 2 * 6 * MiB + 2 * 64 * 1024);
});

test("the index is private to the user and holds no secret; a dry run writes nothing to it", async () => {
  const root = join(dir, "private");
  await writeTree(root, { "x.txt": bytesOf(100, 1) });
  const dest = h.server.addFolder("private-dest");
  const stateDir = join(dir, "state-private");
  await h.client.syncFolder(root, dest.id, { stateDir });
  const folder = join(stateDir, "index");
  expect((await stat(folder)).mode & 0o777).toBe(0o700);
  const files = await readdir(folder);
  expect(files.length).toBeGreaterThan(0);
  for (const f of files) {
    expect({ f, mode: (await stat(join(folder, f))).mode & 0o777 }).toEqual({ f, mode: 0o600 });
    const bytes = await readFile(join(folder, f));
    expect(bytes.includes(Buffer.from(DEFAULT_TOKEN))).toBe(false);
    expect(bytes.includes(Buffer.from("x.txt"))).toBe(false);
  }
  const before = createHash("sha1").update(await readFile(join(folder, "data.mdb"))).digest("hex");
  await writeFile(join(root, "y.txt"), "new");
  await h.client.syncFolder(root, dest.id, { stateDir, dryRun: true });
  expect(createHash("sha1").update(await readFile(join(folder, "data.mdb"))).digest("hex")).toBe(before);
  await chmod(folder, 0o700);
});

test("a run killed with -9 leaves the index whole: the next run finds every changed file", async () => {
  const root = join(dir, "killed");
  const spec: Record<string, Uint8Array> = {};
  for (let i = 0; i < 300; i++) spec[`k${i % 10}/f${i}.txt`] = bytesOf(3000 + i, 7000 + i);
  await writeTree(root, spec);
  // Whole seconds, an hour ago: the old mtimes can be put back exactly, and no entry is racy.
  const then = Math.floor(Date.now() / 1000) - 3600;
  for (const path of Object.keys(spec)) await utimes(join(root, ...path.split("/")), then, then);
  const dest = h.server.addFolder("killed-dest");
  const stateDir = join(dir, "state-killed");
  const env = { BOX_ACCESS_TOKEN: DEFAULT_TOKEN, HOME: dir, BOX_MAX_UPLOADS_PER_MINUTE: "off", BOX_MAX_CALLS_PER_MINUTE: "off" };
  const hosts = ["--base-url", h.client.baseUrl, "--api-base-url", h.client.apiBaseUrl, "--state-dir", stateDir];
  // A first run killed part way: some files in Box and in the index, some not.
  const run = runCli(["sync", root, dest.id, ...hosts], env, { timeoutMs: 60_000 });
  while (h.server.filesByPath(dest.id).size < 60) await new Promise((r) => setTimeout(r, 5));
  run.child.kill("SIGKILL");
  await run.done;
  // Every file is rewritten, same size, its old mtime put back.
  for (const [path, bytes] of Object.entries(spec)) {
    const full = join(root, ...path.split("/"));
    await writeFile(full, bytes.map((b) => b ^ 0xff));
    await utimes(full, then, then);
  }
  const r = await runCli(["sync", root, dest.id, "--json", ...hosts], env, { timeoutMs: 120_000 }).done;
  expect(r.code).toBe(0);
  const summary = JSON.parse(r.stdout);
  expect(summary.failed).toBe(0);
  expect(summary.skipped).toBe(0);
  const local = await localFilesByPath(root);
  const box = h.server.filesByPath(dest.id);
  expect(box.size).toBe(300);
  for (const [path, f] of local) expect({ path, sha1: box.get(path)?.sha1 }).toEqual({ path, sha1: f.sha1 });
});
