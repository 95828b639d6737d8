/**
 * Folder sync end to end, through the validating proxy: a tree with nested, unicode and spaced
 * names, empty files and folders, files on both sides of the chunked threshold, one file Box
 * already holds (skipped) and one it holds with other bytes (new version). Box must match the
 * local tree by SHA-1, and a second run must send no file byte.
 */
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BoxInputError, type SyncEvent, type SyncProgress } from "../../src";
import { startHarness, type Harness } from "../support/harness";
import { bytesOf } from "../support/random";
import { sha1 } from "../support/sha1";
import { localFilesByPath, writeTree } from "../support/tree";
import { rejectionOf } from "../support/checks/rejection";
import { requestsTo, type RouteMatch } from "../support/serverLog";

const THRESHOLD = 1_000_000;
let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness({ minFileSize: THRESHOLD, pageSizeCap: 4 }, { uploadDefaults: { chunkedThreshold: THRESHOLD } });
  dir = await mkdtemp(join(tmpdir(), "sync-e2e-"));
});
afterAll(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => expect(h.proxy.violations).toEqual([]));

const uploadsOf = (name: RouteMatch) => requestsTo(h.server, name).length;
const sending = () => uploadsOf("uploadFile") + uploadsOf("uploadFileVersion") + uploadsOf("uploadPart");

test("a mixed tree goes in once; Box then matches it by SHA-1; a second run sends nothing", async () => {
  const root = join(dir, "tree");
  await writeTree(root, {
    "readme.txt": bytesOf(1_000, 1),
    "empty.bin": new Uint8Array(0),
    "spaced name here.txt": bytesOf(2_345, 2),
    "ünïcode 日本語.bin": bytesOf(777, 3),
    "nested/deeper/deepest/leaf.bin": bytesOf(50_000, 4),
    "nested/big above threshold.bin": bytesOf(3 * THRESHOLD + 17, 5),
    "nested/at threshold.bin": bytesOf(THRESHOLD, 6),
    "nested/just below.bin": bytesOf(THRESHOLD - 1, 7),
    "empty folder/": null,
    "same.bin": bytesOf(40_000, 8),
    "changed.bin": bytesOf(40_000, 9),
    "changed big.bin": bytesOf(2 * THRESHOLD, 10),
  });
  await symlink(join(root, "readme.txt"), join(root, "link to readme"));
  const dest = h.server.addFolder("dest");
  const same = h.server.addFile("same.bin", bytesOf(40_000, 8), dest.id);
  const changed = h.server.addFile("changed.bin", bytesOf(40_000, 99), dest.id);
  const changedBig = h.server.addFile("changed big.bin", bytesOf(2 * THRESHOLD, 98), dest.id);

  const events: SyncEvent[] = [];
  const since = h.server.log.length;
  const first = await h.client.syncFolder(root, dest.id, { onEvent: (e) => events.push(e) });
  expect(first).toMatchObject({ uploaded: 8, versioned: 2, skipped: 1, failed: 0, foldersCreated: 4, failures: [] });
  const local = await localFilesByPath(root);
  expect(first.bytesSent).toBe([...local.entries()].filter(([p]) => p !== "same.bin").reduce((n, [, f]) => n + f.size, 0));
  expect(events).toContainEqual({ type: "notice", path: "link to readme", message: expect.stringMatching(/symlink/) });

  // Box's side is the local tree, file for file, by SHA-1; the empty folder exists too.
  const box = h.server.filesByPath(dest.id);
  expect(new Map([...box].map(([p, f]) => [p, { sha1: f.sha1, size: f.size }]))).toEqual(local);
  expect(h.server.tree(dest.id).find((n) => n.name === "empty folder")).toMatchObject({ type: "folder", children: [] });
  // The identical file was not touched; each changed one has exactly one new version.
  expect(h.server.files.get(same.id)!.versions).toHaveLength(1);
  expect(h.server.files.get(changed.id)!.versions).toHaveLength(2);
  expect(h.server.files.get(changedBig.id)!.versions).toHaveLength(2);
  // At and above the threshold through chunked sessions (two new files, one version), below it direct.
  expect(requestsTo(h.server, "createSessionNewFile", since)).toHaveLength(2);
  expect(requestsTo(h.server, "createSessionExistingFile", since)).toHaveLength(1);
  expect(requestsTo(h.server, "uploadFile", since)).toHaveLength(6);
  expect(requestsTo(h.server, "uploadFileVersion", since)).toHaveLength(1);

  const before = sending();
  const second = await h.client.syncFolder(root, dest.id);
  expect(second).toMatchObject({ uploaded: 0, versioned: 0, skipped: 11, failed: 0, foldersCreated: 0, bytesSent: 0 });
  expect(sending() - before).toBe(0);
  for (const f of h.server.filesByPath(dest.id).values()) expect(h.server.files.get(f.id)!.versions.length).toBeLessThanOrEqual(2);
});

test("dry run plans without creating or sending; onConflict skip and fail leave Box's copy alone", async () => {
  const root = join(dir, "plan");
  await writeTree(root, { "a.txt": bytesOf(10, 1), "sub/b.txt": bytesOf(20, 2), "diff.txt": bytesOf(30, 3), "keep.log": bytesOf(5, 4) });
  const dest = h.server.addFolder("plan-dest");
  const diff = h.server.addFile("diff.txt", bytesOf(30, 33), dest.id);
  const before = sending();
  const plan = await h.client.syncFolder(root, dest.id, { dryRun: true, exclude: ["*.log"] });
  expect(sending() - before).toBe(0);
  expect(h.server.tree(dest.id).map((n) => n.name)).toEqual(["diff.txt"]);
  expect(new Set(plan.plan!.map((p) => `${p.action} ${p.path}`))).toEqual(new Set(["upload a.txt", "create-folder sub", "upload sub/b.txt", "version diff.txt"]));

  const skip = await h.client.syncFolder(root, dest.id, { onConflict: "skip", exclude: ["sub", "*.log"] });
  expect(skip).toMatchObject({ uploaded: 1, versioned: 0, skipped: 1, failed: 0, foldersCreated: 0 });
  const fail = await h.client.syncFolder(root, dest.id, { onConflict: "fail", include: ["**/*.txt"] });
  expect(fail).toMatchObject({ uploaded: 1, skipped: 1, failed: 1, foldersCreated: 1 });
  expect(fail.failures).toEqual([{ path: "diff.txt", error: expect.stringMatching(/differs/) }]);
  expect(h.server.files.get(diff.id)!.versions).toHaveLength(1);
  expect(h.server.tree(dest.id).map((n) => n.name).sort()).toEqual(["a.txt", "diff.txt", "sub"]);
});

test("one file that cannot go in fails alone; the rest of the tree is done", async () => {
  const root = join(dir, "partial");
  await writeTree(root, { "ok1.txt": bytesOf(10, 1), "blocked/inner.txt": bytesOf(10, 2), "ok2.txt": bytesOf(10, 3), "Case.txt": bytesOf(4, 4), "case.TXT": bytesOf(5, 5) });
  const dest = h.server.addFolder("partial-dest");
  h.server.addFile("blocked", bytesOf(3, 3), dest.id); // a Box file where a local folder goes
  let last: SyncProgress | undefined;
  const summary = await h.client.syncFolder(root, dest.id, { onProgress: (p) => (last = p) });
  // Every file seen is counted done, the one whose name clashed included, so a view reaches its total.
  expect(last).toMatchObject({ walkDone: true, filesSeen: 4, filesDone: 4, inFlight: [] });
  expect(summary).toMatchObject({ uploaded: 3, failed: 2 });
  // Which of the two same-for-Box names goes in first depends on the directory's order; the other fails.
  const failed = summary.failures.map((f) => f.path);
  expect(failed).toContain("blocked");
  expect(failed.filter((p) => p !== "blocked")).toEqual([expect.stringMatching(/^(case\.TXT|Case\.txt)$/)]);
  expect(h.server.files.get(h.server.filesByPath(dest.id).get("ok2.txt")!.id)).toBeDefined();
});

test("bad input is refused before any request", async () => {
  const before = h.server.log.length;
  await rejectionOf(h.client.syncFolder(join(dir, "missing"), "0"), BoxInputError);
  await rejectionOf(h.client.syncFolder(dir, "0", { onConflict: "merge" as never }), BoxInputError);
  await rejectionOf(h.client.syncFolder(dir, "0", { transfers: 0 }), BoxInputError);
  await rejectionOf(h.client.syncFolder(dir, "0", { exclude: "*.tmp" as never }), BoxInputError);
  await rejectionOf(h.client.syncFolder(dir, "not-an-id"), BoxInputError);
  await rejectionOf(h.client.syncFolder(dir, "0", { commitWaitMs: -5 }), BoxInputError);
  expect(h.server.log.length).toBe(before);
});

test("a name taken between the listing and the upload (another client) is decided again from Box's 409: same bytes skipped, other bytes versioned", async () => {
  const root = join(dir, "race");
  await writeTree(root, { "same.txt": bytesOf(300, 1), "other.txt": bytesOf(400, 2) });
  let box: Harness | undefined;
  let destId = "";
  // When the first upload arrives (the listing is done), another client puts both names in place.
  let raced = false;
  box = await startHarness(
    {
      before: (ctx) => {
        if (ctx.route === "uploadFile" && box && !raced) {
          raced = true;
          box.server.addFile("same.txt", bytesOf(300, 1), destId);
          box.server.addFile("other.txt", bytesOf(400, 77), destId);
        }
        return undefined;
      },
    },
    { uploadDefaults: {} },
  );
  try {
    destId = box.server.addFolder("race-dest").id;
    const summary = await box.client.syncFolder(root, destId, { transfers: 1 });
    expect(summary).toMatchObject({ uploaded: 0, versioned: 1, skipped: 1, failed: 0 });
    const files = box.server.filesByPath(destId);
    expect(files.get("same.txt")!.sha1).toBe(sha1(bytesOf(300, 1)));
    expect(files.get("other.txt")!.sha1).toBe(sha1(bytesOf(400, 2)));
    expect(box.server.files.get(files.get("same.txt")!.id)!.versions).toHaveLength(1);
    expect(box.server.files.get(files.get("other.txt")!.id)!.versions).toHaveLength(2);
    expect(box.proxy.violations).toEqual([]);
  } finally {
    await box.close();
  }
});

test("an abort mid-tree ends the sync at once with UploadAbortedError; no session is left open, nothing is sent after", async () => {
  const root = join(dir, "aborted");
  const spec: Record<string, Uint8Array> = {};
  for (let i = 0; i < 20; i++) spec[`f${i}.bin`] = bytesOf(50_000, i);
  spec["big.bin"] = bytesOf(4 * THRESHOLD, 77);
  for (const sub of ["a", "b", "c", "d"]) spec[`${sub}/inner.txt`] = bytesOf(100, sub.charCodeAt(0));
  await writeTree(root, spec);
  const slow = await startHarness({ minFileSize: THRESHOLD, bytesPerSecond: 500_000, latencyMs: 20 }, { uploadDefaults: { chunkedThreshold: THRESHOLD } });
  try {
    const ctl = new AbortController();
    for (const sub of ["a", "b", "c", "d"]) slow.server.addFolder(sub);
    const events: SyncEvent[] = [];
    const run = slow.client.syncFolder(root, "0", { signal: ctl.signal, transfers: 4, onEvent: (e) => events.push(e) });
    while (requestsTo(slow.server, "uploadPart").length < 2) await new Promise((r) => setTimeout(r, 10));
    const abortedAt = Date.now();
    ctl.abort(new Error("operator stop"));
    const err = await rejectionOf(run, (await import("../../src")).UploadAbortedError);
    // At once: the tree needs about 10 s at this server's 500 KB/s, the abort ends it within a second.
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    expect(err.message).toMatch(/abort/i);
    // The abort ends the run: no folder or file is reported as failed because of it.
    expect(events.filter((e) => e.type === "failed")).toEqual([]);
    await slow.server.idle();
    const after = slow.server.log.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(slow.server.log.slice(after).filter((r) => r.route !== "abortSession")).toEqual([]);
    // Without a state folder nothing can continue the session, so it was aborted, not left open.
    expect([...slow.server.sessions.values()].filter((s) => s.state === "open")).toEqual([]);
  } finally {
    await slow.close();
  }
}, 60_000);

test("an unreadable resume state is dropped, not a failure on every run; a throwing callback changes nothing", async () => {
  const root = join(dir, "corrupt");
  await writeTree(root, { "big.bin": bytesOf(2 * THRESHOLD, 5), "small.txt": bytesOf(10, 6) });
  const dest = h.server.addFolder("corrupt-dest");
  const stateDir = join(dir, "corrupt-state");
  await mkdir(stateDir, { recursive: true });
  // What a crash of another tool or a full disk can leave: an empty file under the name sync uses.
  await writeFile(join(stateDir, `${sha1(Buffer.from(`${dest.id}\nbig.bin`))}.json`), "");
  const summary = await h.client.syncFolder(root, dest.id, {
    stateDir,
    onEvent: () => {
      throw new Error("a careless logger");
    },
    onProgress: () => {
      throw new Error("a careless progress bar");
    },
  });
  expect(summary).toMatchObject({ uploaded: 2, failed: 0, failures: [] });
  expect(h.server.filesByPath(dest.id).get("big.bin")?.sha1).toBe(sha1(bytesOf(2 * THRESHOLD, 5)));
  // The unreadable state is gone; what stays is the index, the next run's quick check.
  expect(await readdir(stateDir)).toEqual(["index"]);
});

test("Ctrl-C while the walk lists a folder ends the run; the folders not yet walked are not reported as failed", async () => {
  const root = join(dir, "abort-walk");
  await writeTree(root, { "a/1.txt": bytesOf(10, 1), "b/2.txt": bytesOf(10, 2), "c/3.txt": bytesOf(10, 3), "d/4.txt": bytesOf(10, 4) });
  const ctl = new AbortController();
  let abortAt = "";
  const box = await startHarness({ before: (ctx) => void (ctx.route === "listFolderItems" && ctx.folderId === abortAt && ctl.abort(new Error("interrupted (SIGINT)"))) }, { uploadDefaults: {} });
  try {
    const dest = box.server.addFolder("dest");
    for (const sub of ["a", "b", "c", "d"]) {
      const f = box.server.addFolder(sub, dest.id);
      if (sub === "b") abortAt = f.id;
    }
    const events: SyncEvent[] = [];
    const err = await rejectionOf(box.client.syncFolder(root, dest.id, { signal: ctl.signal, transfers: 1, onEvent: (e) => events.push(e) }), (await import("../../src")).UploadAbortedError);
    expect(err).toBeDefined();
    expect(events.filter((e) => e.type === "failed")).toEqual([]);
  } finally {
    await box.close();
  }
});
