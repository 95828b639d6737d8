/**
 * A mirror that moves what moved: after a first `sync --delete`, a renamed file, a file moved
 * between folders, a renamed folder of 50 files and a folder moved under another all end, on the
 * next `sync --delete`, with Box matching the tree exactly, every moved item keeping its Box id, no
 * file byte sent for what only moved, and nothing of it in the trash; a dry run lists the moves
 * and changes nothing; a renamed and edited file is one file with the new bytes; a move Box
 * refuses (412, 409) falls back to upload and trash; without --delete, or with
 * --no-track-renames, nothing is moved.
 */
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SyncOptions } from "../../src";
import { startHarness, type Harness } from "../support/harness";
import { DEFAULT_TOKEN } from "../support/localBox/server";
import { runCli } from "../support/process/cli";
import { bytesOf } from "../support/random";
import { requestsTo } from "../support/serverLog";
import { localFilesByPath, writeTree } from "../support/tree";

jest.setTimeout(60_000);
let h: Harness;
let dir: string;
beforeAll(async () => {
  h = await startHarness({}, { uploadDefaults: {} });
  dir = await mkdtemp(join(tmpdir(), "renames-"));
});
afterAll(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => expect(h.proxy.violations).toEqual([]));

const MIRROR: SyncOptions = { deleteExtraneous: true };
const sent = (since: number) => h.server.log.slice(since).filter((r) => ["uploadFile", "uploadFileVersion", "uploadPart"].includes(r.route)).length;

/** The tree at `name`, synced once into a new Box folder with --delete; Box's file ids by path. */
async function mirrored(name: string): Promise<{ root: string; destId: string; ids: Map<string, string> }> {
  const root = join(dir, name);
  const spec: Record<string, Uint8Array> = {};
  for (let i = 0; i < 50; i++) spec[`reports/2025/r${i}.txt`] = bytesOf(200 + i, 1000 + i);
  spec["reports/summary.txt"] = bytesOf(500, 1);
  spec["a/x/moved.bin"] = bytesOf(3000, 2);
  spec["notes.txt"] = bytesOf(700, 3);
  spec["edit.txt"] = bytesOf(800, 4);
  spec["projects/alpha/plan.txt"] = bytesOf(900, 5);
  spec["projects/alpha/spec.txt"] = bytesOf(901, 6);
  spec["archive/keep.txt"] = bytesOf(902, 7);
  spec["b/y/.keep"] = bytesOf(1, 8);
  await writeTree(root, spec);
  const dest = h.server.addFolder(name);
  const first = await h.client.syncFolder(root, dest.id, MIRROR);
  expect(first).toMatchObject({ failed: 0, uploaded: Object.keys(spec).length });
  return { root, destId: dest.id, ids: new Map([...h.server.filesByPath(dest.id)].map(([p, f]) => [p, f.id])) };
}

/** The same renames, file and folder, as the issue names them. */
async function renameAll(root: string): Promise<void> {
  await rename(join(root, "notes.txt"), join(root, "notes-2026.txt"));
  await rename(join(root, "a/x/moved.bin"), join(root, "b/y/moved.bin"));
  await rename(join(root, "reports/2025"), join(root, "reports/archive-2025"));
  await rename(join(root, "projects/alpha"), join(root, "archive/alpha"));
}

async function expectBoxIsTree(root: string, destId: string): Promise<void> {
  const local = await localFilesByPath(root);
  const box = h.server.filesByPath(destId);
  expect([...box.keys()].sort()).toEqual([...local.keys()].sort());
  for (const [path, f] of local) expect({ path, sha1: box.get(path)?.sha1 }).toEqual({ path, sha1: f.sha1 });
}

test("renamed and moved files and folders are Box moves: ids kept, no byte sent, nothing in the trash", async () => {
  const { root, destId, ids } = await mirrored("moves");
  const folderIds = { y2025: h.server.state.folderNamed(h.server.state.folderNamed(destId, "reports")!.id, "2025")!.id, alpha: h.server.state.folderNamed(h.server.state.folderNamed(destId, "projects")!.id, "alpha")!.id };
  await renameAll(root);
  const mark = h.server.log.length;
  const trashBefore = h.server.state.trash.size;
  const summary = await h.client.syncFolder(root, destId, MIRROR);
  expect(summary).toMatchObject({ failed: 0, uploaded: 0, versioned: 0, deleted: 0, bytesSent: 0 });
  // Two files and two folders: four moves, the folders each one request.
  expect(summary.moved).toBe(4);
  expect(requestsTo(h.server, "moveFolder", mark)).toHaveLength(2);
  expect(requestsTo(h.server, "moveFile", mark)).toHaveLength(2);
  expect(sent(mark)).toBe(0);
  expect(h.server.state.trash.size).toBe(trashBefore);
  await expectBoxIsTree(root, destId);
  const now = h.server.filesByPath(destId);
  expect(now.get("notes-2026.txt")!.id).toBe(ids.get("notes.txt"));
  expect(now.get("b/y/moved.bin")!.id).toBe(ids.get("a/x/moved.bin"));
  for (let i = 0; i < 50; i++) expect(now.get(`reports/archive-2025/r${i}.txt`)!.id).toBe(ids.get(`reports/2025/r${i}.txt`));
  expect(now.get("archive/alpha/plan.txt")!.id).toBe(ids.get("projects/alpha/plan.txt"));
  expect(h.server.state.folderNamed(h.server.state.folderNamed(destId, "reports")!.id, "archive-2025")!.id).toBe(folderIds.y2025);
  expect(h.server.state.folderNamed(h.server.state.folderNamed(destId, "archive")!.id, "alpha")!.id).toBe(folderIds.alpha);
  // Every move named the etag Box listed.
  for (const r of [...requestsTo(h.server, "moveFolder", mark), ...requestsTo(h.server, "moveFile", mark)]) expect(r.headers["if-match"]).toBeDefined();
  // The next run finds everything in place.
  const again = await h.client.syncFolder(root, destId, MIRROR);
  expect(again).toMatchObject({ moved: 0, uploaded: 0, deleted: 0, failed: 0 });
});

test("a dry run lists the moves first and changes nothing", async () => {
  const { root, destId } = await mirrored("dry");
  await renameAll(root);
  await writeFile(join(root, "new.txt"), "new");
  const before = JSON.stringify(h.server.tree(destId));
  const mark = h.server.log.length;
  const summary = await h.client.syncFolder(root, destId, { ...MIRROR, dryRun: true });
  expect(summary.moved).toBe(4);
  expect(JSON.stringify(h.server.tree(destId))).toBe(before);
  expect(h.server.log.slice(mark).filter((r) => !["listFolderItems", "getFile"].includes(r.route))).toEqual([]);
  const plan = summary.plan!;
  const firstOther = plan.findIndex((p) => p.action !== "move");
  expect(plan.slice(0, 4).map((p) => p.action)).toEqual(["move", "move", "move", "move"]);
  expect(plan.slice(firstOther).some((p) => p.action === "move")).toBe(false);
  expect(plan).toEqual(expect.arrayContaining([expect.objectContaining({ action: "move", from: "reports/2025/", path: "reports/archive-2025/" }), expect.objectContaining({ action: "move", from: "notes.txt", path: "notes-2026.txt" })]));
  expect(plan).toEqual(expect.arrayContaining([expect.objectContaining({ action: "upload", path: "new.txt" })]));
  // The CLI says them as "would move FROM -> TO".
  const cli = await runCli(["sync", root, destId, "--delete", "--dry-run", "--base-url", h.client.baseUrl, "--api-base-url", h.client.apiBaseUrl], { BOX_ACCESS_TOKEN: DEFAULT_TOKEN, HOME: dir }).done;
  expect(cli.code).toBe(0);
  expect(cli.stderr).toContain("would move notes.txt -> notes-2026.txt");
  expect(cli.stderr).toContain("would move reports/2025/ -> reports/archive-2025/");
  expect(cli.stdout).toMatch(/^would sync: 1 uploaded, 0 versioned, \d+ skipped, 0 failed, 0 folders created, 4 moved, 0 trashed/m);
});

test("a file moved into a folder the tree has new: the dry run says the move the real run makes", async () => {
  const { root, destId, ids } = await mirrored("into-new");
  await mkdir(join(root, "fresh"));
  await rename(join(root, "notes.txt"), join(root, "fresh", "notes.txt"));
  const dry = await h.client.syncFolder(root, destId, { ...MIRROR, dryRun: true });
  expect(dry).toMatchObject({ moved: 1, uploaded: 0, deleted: 0, foldersCreated: 1 });
  expect(dry.plan).toEqual(expect.arrayContaining([expect.objectContaining({ action: "move", from: "notes.txt", path: "fresh/notes.txt" })]));
  const real = await h.client.syncFolder(root, destId, MIRROR);
  expect(real).toMatchObject({ moved: 1, uploaded: 0, deleted: 0, foldersCreated: 1 });
  expect(h.server.filesByPath(destId).get("fresh/notes.txt")!.id).toBe(ids.get("notes.txt"));
});

test("a renamed and edited file ends as one file at its new path with the new bytes; the old one is trashed", async () => {
  const { root, destId, ids } = await mirrored("edited");
  await rename(join(root, "edit.txt"), join(root, "edited.txt"));
  await writeFile(join(root, "edited.txt"), bytesOf(800, 99));
  const summary = await h.client.syncFolder(root, destId, MIRROR);
  expect(summary).toMatchObject({ moved: 0, uploaded: 1, deleted: 1, failed: 0 });
  await expectBoxIsTree(root, destId);
  expect(h.server.state.trash.has(ids.get("edit.txt")!)).toBe(true);
});

test.each([412, 409])("a move Box refuses with %i falls back to upload and trash, never an overwrite", async (status) => {
  let refuse = false;
  const box = await startHarness({ before: (ctx) => (refuse && ctx.route === "moveFile" ? { status, body: { type: "error", status, code: status === 412 ? "precondition_failed" : "item_name_in_use", message: "no" } } : undefined) }, { uploadDefaults: {} });
  try {
    const root = join(dir, `refused-${status}`);
    await writeTree(root, { "notes.txt": bytesOf(700, 3), "other.txt": bytesOf(10, 4) });
    const dest = box.server.addFolder("refused");
    await box.client.syncFolder(root, dest.id, MIRROR);
    const before = box.server.filesByPath(dest.id).get("notes.txt")!.id;
    await rename(join(root, "notes.txt"), join(root, "notes-moved.txt"));
    refuse = true;
    const summary = await box.client.syncFolder(root, dest.id, MIRROR);
    expect(requestsTo(box.server, "moveFile")).toHaveLength(1);
    expect(summary).toMatchObject({ moved: 0, uploaded: 1, deleted: 1, failed: 0 });
    expect(box.server.filesByPath(dest.id).get("notes-moved.txt")!.id).not.toBe(before);
    expect(box.server.state.trash.has(before)).toBe(true);
    expect([...box.server.filesByPath(dest.id).keys()].sort()).toEqual(["notes-moved.txt", "other.txt"]);
  } finally {
    await box.close();
  }
});

test("without --delete nothing is moved (the old copy stays); with --no-track-renames, upload and trash as before", async () => {
  const { root, destId, ids } = await mirrored("untracked");
  await rename(join(root, "notes.txt"), join(root, "notes-b.txt"));
  const plain = await h.client.syncFolder(root, destId, {});
  expect(plain).toMatchObject({ moved: 0, uploaded: 1, deleted: 0 });
  expect(h.server.filesByPath(destId).get("notes.txt")!.id).toBe(ids.get("notes.txt"));
  await rename(join(root, "notes-b.txt"), join(root, "notes-c.txt"));
  await mkdir(join(root, "empty"), { recursive: true });
  const untracked = await h.client.syncFolder(root, destId, { ...MIRROR, trackRenames: false });
  expect(untracked).toMatchObject({ moved: 0, uploaded: 1, failed: 0 });
  expect(untracked.deleted).toBe(2);
  await expectBoxIsTree(root, destId);
});

test("moves are not deletions for --max-delete", async () => {
  const { root, destId } = await mirrored("maxdelete");
  await renameAll(root);
  const summary = await h.client.syncFolder(root, destId, { ...MIRROR, maxDelete: 0 });
  expect(summary).toMatchObject({ moved: 4, deleted: 0, failed: 0 });
  await expectBoxIsTree(root, destId);
});

test("a folder renamed and moved at once is moved, then renamed (Box takes them apart): its id kept", async () => {
  const { root, destId, ids } = await mirrored("both");
  const alpha = h.server.state.folderNamed(h.server.state.folderNamed(destId, "projects")!.id, "alpha")!.id;
  await rename(join(root, "projects/alpha"), join(root, "archive/alpha-2026"));
  const mark = h.server.log.length;
  const summary = await h.client.syncFolder(root, destId, MIRROR);
  expect(summary).toMatchObject({ moved: 1, uploaded: 0, deleted: 0, failed: 0 });
  expect(requestsTo(h.server, "moveFolder", mark)).toHaveLength(2);
  expect(h.server.state.folderNamed(h.server.state.folderNamed(destId, "archive")!.id, "alpha-2026")!.id).toBe(alpha);
  expect(h.server.filesByPath(destId).get("archive/alpha-2026/spec.txt")!.id).toBe(ids.get("projects/alpha/spec.txt"));
  await expectBoxIsTree(root, destId);
});
