/**
 * `syncFolder(..., { deleteExtraneous })` and `box-upload sync --delete`: Box items with no local
 * counterpart go to the trash, and nothing else: never what the globs leave out (at any depth),
 * never a namesake of a local entry of any kind, nothing in a folder whose listing failed (on
 * either side), nothing in a dry run, nothing past --max-delete, nothing that changed since it
 * was listed.
 */
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SharedClient } from "../../src/client/shared";
import { nodeApiPlatform, nodeSyncPlatform, nodeUploadPlatform } from "../../src/platform/node";
import type { SyncOptions, SyncSummary } from "../../src/sync/options";
import type { LocalEntry, SyncApi } from "../../src/sync/ports";
import { syncFolder } from "../../src/sync/syncFolder";
import { startHarness, type Harness } from "../support/harness";
import { DEFAULT_TOKEN } from "../support/localBox/server";
import { runCli } from "../support/process/cli";
import { bytesOf } from "../support/random";
import { writeTree } from "../support/tree";

let h: Harness;
let dir: string;
beforeAll(async () => {
  h = await startHarness({}, { uploadDefaults: {} });
  dir = await mkdtemp(join(tmpdir(), "mirror-"));
});
afterAll(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => expect(h.proxy.violations).toEqual([]));

/**
 * A sync in this process whose local listing goes through `entries` (given the real one) and whose
 * API through `api` (given the real one): how a test makes one side's listing fail.
 */
async function syncThrough(
  root: string,
  folderId: string,
  options: SyncOptions,
  entries: (real: (rel: string) => AsyncIterable<LocalEntry>, rel: string) => AsyncIterable<LocalEntry>,
  api: (real: SyncApi) => SyncApi = (real) => real,
): Promise<SyncSummary> {
  const core = new SharedClient({ token: DEFAULT_TOKEN, baseUrl: h.client.baseUrl, apiBaseUrl: h.client.apiBaseUrl }, nodeApiPlatform, nodeUploadPlatform);
  const local = {
    ...nodeSyncPlatform,
    async openTree(path: string) {
      const tree = await nodeSyncPlatform.openTree(path);
      return { filePath: (p: string) => tree.filePath(p), entries: (rel: string) => entries((r) => tree.entries(r), rel) };
    },
  };
  try {
    return await syncFolder({ ...core.deps, api: api(core.deps.api), local, describe: (e) => String(e), clean: (e) => e, meter: core.meter }, root, folderId, options);
  } finally {
    await core.close();
  }
}

/** A local tree and a Box folder that holds more than it: what may go, and what must stay. */
async function setUp(name: string) {
  const root = join(dir, name);
  await writeTree(root, { "a.txt": bytesOf(10, 1), "sub/b.txt": bytesOf(20, 2), "keep.tmp": bytesOf(5, 3), "sub/new.txt": bytesOf(30, 14) });
  await symlink(join(root, "a.txt"), join(root, "link"));
  const dest = h.server.addFolder(name);
  const box = h.server;
  box.addFile("a.txt", bytesOf(10, 1), dest.id);
  const sub = box.addFolder("sub", dest.id);
  box.addFile("b.txt", bytesOf(20, 2), sub.id);
  const ids = {
    old: box.addFile("old.txt", bytesOf(7, 4), dest.id).id, // Box only: goes
    subExtra: box.addFile("c.txt", bytesOf(7, 5), sub.id).id, // Box only, in a synced sub-folder: goes
    cache: box.addFile("cache.tmp", bytesOf(7, 6), dest.id).id, // excluded: stays
    link: box.addFile("LINK", bytesOf(7, 7), dest.id).id, // a local symlink's namesake (any case): stays
    gone: box.addFolders("gone/deeper", dest.id) && box.state.folderNamed(dest.id, "gone")!.id, // Box only, whole: goes
    mixed: box.addFolder("mixed", dest.id).id, // Box only, but holds an excluded file: stays, less what may go
  };
  box.addFile("x.txt", bytesOf(3, 8), box.state.folderNamed(dest.id, "gone")!.id);
  box.addFile("y.txt", bytesOf(3, 9), box.state.folderNamed(ids.gone, "deeper")!.id);
  const z = box.addFile("z.txt", bytesOf(3, 10), ids.mixed).id;
  const w = box.addFile("w.tmp", bytesOf(3, 11), ids.mixed).id;
  return { root, dest, ids: { ...ids, z, w } };
}

const inBox = (id: string) => h.server.files.has(id) || h.server.folders.has(id);
const trashed = (id: string) => h.server.state.trash.has(id);

test("exactly the Box-only items the globs do not protect go to the trash, after every file settled", async () => {
  const { root, dest, ids } = await setUp("exact");
  const mark = h.server.log.length;
  const summary = await h.client.syncFolder(root, dest.id, { exclude: ["*.tmp"], deleteExtraneous: true });
  expect(summary).toMatchObject({ failed: 0, skipped: 2, uploaded: 1 });
  for (const id of [ids.old, ids.subExtra, ids.gone, ids.z]) expect(trashed(id)).toBe(true);
  for (const id of [ids.cache, ids.link, ids.mixed, ids.w]) expect(inBox(id)).toBe(true);
  // old.txt, sub/c.txt, z.txt, and gone/ with deeper/, x.txt and y.txt.
  expect(summary.deleted).toBe(3 + 4);
  // Every deletion came after the last upload and named the etag Box listed.
  const log = h.server.log;
  const deletes = log.slice(mark).filter((r) => r.route === "deleteFile" || r.route === "deleteFolder");
  expect(deletes).toHaveLength(4);
  const upload = log.slice(mark).find((r) => r.route === "uploadFile")!;
  for (const d of deletes) {
    expect(d.headers["if-match"]).toBeDefined();
    expect(d.seq).toBeGreaterThan(upload.seq);
  }
});

test("a dry run lists the deletions in its plan and deletes nothing", async () => {
  const { root, dest, ids } = await setUp("dry");
  const mark = h.server.log.length;
  const summary = await h.client.syncFolder(root, dest.id, { exclude: ["*.tmp"], deleteExtraneous: true, dryRun: true });
  expect(summary.plan!.filter((p) => p.action === "delete").map((p) => p.path).sort()).toEqual(["gone/", "mixed/z.txt", "old.txt", "sub/c.txt"]);
  for (const id of Object.values(ids)) expect(inBox(id)).toBe(true);
  expect(h.server.log.slice(mark).filter((r) => r.route === "deleteFile" || r.route === "deleteFolder")).toHaveLength(0);
});

test("more than maxDelete items would go: nothing is deleted, and the run says why", async () => {
  const { root, dest, ids } = await setUp("max");
  const summary = await h.client.syncFolder(root, dest.id, { exclude: ["*.tmp"], deleteExtraneous: true, maxDelete: 6 });
  expect(summary.deleted).toBe(0);
  expect(summary.failures).toEqual([{ path: ".", error: "would delete 7 items from Box, more than --max-delete 6: nothing was deleted" }]);
  for (const id of Object.values(ids)) expect(inBox(id)).toBe(true);
});

test("a folder whose Box listing failed, or whose local listing failed, loses nothing; the others are mirrored", async () => {
  const { root, dest, ids } = await setUp("failing");
  const sub = h.server.state.folderNamed(dest.id, "sub")!;
  h.server.addFolder("unreadable", dest.id);
  const lost = h.server.addFile("only-in-box.txt", bytesOf(3, 12), h.server.state.folderNamed(dest.id, "unreadable")!.id).id;
  await writeTree(root, { "unreadable/local.txt": bytesOf(4, 13) });
  // A run whose local tree cannot read unreadable/, and whose Box listing of sub/ fails.
  const summary = await syncThrough(
    root,
    dest.id,
    { exclude: ["*.tmp"], deleteExtraneous: true, retry: { maxAttempts: 1 } },
    (real, rel) => {
      if (rel === "unreadable") throw Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
      return real(rel);
    },
    (real) => ({
      ...real,
      folderItems: (id, fields, call) => {
        if (id === sub.id) throw Object.assign(new Error("listing failed"), { status: 500 });
        return real.folderItems(id, fields, call);
      },
    }),
  );
  expect(summary.failures.map((f) => f.path).sort()).toEqual(["sub", "unreadable"]);
  expect(inBox(ids.subExtra)).toBe(true);
  expect(inBox(lost)).toBe(true);
  for (const id of [ids.old, ids.gone, ids.z]) expect(trashed(id)).toBe(true);
});

test("an item changed in Box after it was listed stays (If-Match), and that is a failure", async () => {
  const root = join(dir, "changed");
  await writeTree(root, { "a.txt": bytesOf(1, 1) });
  const h2 = await startHarness(
    {
      before: (ctx) => {
        // Someone writes a new version between the listing and the deletion.
        if (ctx.route === "deleteFile") h2.server.state.addVersion(h2.server.files.get(ctx.fileId!)!, { sha1: "0".repeat(40), size: 1 });
        return undefined;
      },
    },
    { uploadDefaults: {} },
  );
  try {
    const dest = h2.server.addFolder("d");
    const late = h2.server.addFile("late.txt", bytesOf(2, 2), dest.id);
    const summary = await h2.client.syncFolder(root, dest.id, { deleteExtraneous: true });
    expect(h2.server.files.has(late.id)).toBe(true);
    expect(summary.failures).toEqual([{ path: "late.txt", error: expect.stringMatching(/cannot delete this from Box: BoxApiError: .* 412/) }]);
  } finally {
    await h2.close();
  }
});

test("box-upload sync --delete: trashes and says so; --max-delete past the count exits 8 with nothing trashed; --json counts `deleted`", async () => {
  const { root, dest, ids } = await setUp("cli");
  const env = { BOX_ACCESS_TOKEN: DEFAULT_TOKEN, HOME: dir };
  const base = ["sync", root, dest.id, "--exclude", "*.tmp", "--base-url", h.client.baseUrl, "--api-base-url", h.client.apiBaseUrl];
  const dry = await runCli([...base, "--delete", "--dry-run"], env).done;
  expect(dry.code).toBe(0);
  expect(dry.stderr).toContain("would trash gone/ (4 items)");
  expect(dry.stderr).toContain("would trash old.txt");
  const max = await runCli([...base, "--delete", "--max-delete", "3"], env).done;
  expect(max.code).toBe(8);
  expect(max.stderr).toContain("would delete 7 items from Box, more than --max-delete 3: nothing was deleted");
  for (const id of Object.values(ids)) expect(inBox(id)).toBe(true);
  const real = await runCli([...base, "--delete", "--json"], env).done;
  expect(real.code).toBe(0);
  expect(JSON.parse(real.stdout)).toMatchObject({ deleted: 7, failed: 0 });
  expect(trashed(ids.gone)).toBe(true);
  const again = await runCli([...base, "--delete"], env).done;
  expect(again.stdout).toMatch(/, 0 trashed;/);
});

test("a local entry the tree lists but cannot read keeps its Box namesake, and is a failure", async () => {
  const root = join(dir, "unreadable-entry");
  await writeTree(root, { "a.txt": bytesOf(10, 1) });
  const dest = h.server.addFolder("unreadable-entry");
  const kept = h.server.addFile("secret.txt", bytesOf(9, 2), dest.id).id;
  // What a folder without search permission lists: the name, but no kind (lstat refused).
  const summary = await syncThrough(root, dest.id, { deleteExtraneous: true }, async function* (real, rel) {
    yield* real(rel);
    if (rel === "") yield { name: "secret.txt", kind: "unreadable", size: 0, mtimeMs: 0, error: "EACCES" };
  });
  expect(summary.failures).toEqual([{ path: "secret.txt", error: "cannot read it: EACCES" }]);
  expect(inBox(kept)).toBe(true);
});

test("a Box-only folder holding an item the caller keeps (a watcher's unsettled path) is not trashed whole; the rest of the mirror goes on", async () => {
  const h = await startHarness();
  try {
    const root = join(dir, "kept-inside");
    await writeTree(root, { "here.txt": bytesOf(10, 1) });
    const dest = h.server.addFolder("kept-inside-dest");
    const old = h.server.addFolder("old", dest.id);
    const kept = h.server.addFile("a.txt", bytesOf(20, 2), old.id);
    const gone = h.server.addFile("gone.txt", bytesOf(30, 3), dest.id);
    const run = h.client.syncRun({ deleteExtraneous: true });
    const tree = { tree: await run.openTree(root), rootId: dest.id };
    await run.sendAll(run.walk(tree, { keep: (path) => path === "old/a.txt" }), 2, async (file, signal) => void (await run.transfer(tree, file, signal)));
    const summary = await run.finish();
    expect(summary).toMatchObject({ uploaded: 1, deleted: 1, failed: 0 });
    expect(h.server.state.trash.has(gone.id)).toBe(true);
    expect(h.server.state.trash.has(old.id)).toBe(false);
    expect(h.server.state.trash.has(kept.id)).toBe(false);
  } finally {
    await h.close();
  }
});
