/**
 * The local Box server's moves and renames (PUT /files/{id}, PUT /folders/{id}), driven with plain
 * fetch and through the client, behind the validating proxy: the item keeps its ID, versions and
 * contents and gets a new etag; a stale If-Match is 412, a taken name (any case) 409 naming the
 * item, an unknown item or parent 404; a folder is never moved into itself or below itself.
 */
import { kindOf } from "../support/localBox/limits";
import { DEFAULT_TOKEN } from "../support/localBox/server";
import { startHarness, startProxiedServer, type Harness, type ProxiedServer } from "../support/harness";
import { sha1 } from "../support/sha1";
import { BoxApiError, BoxInputError } from "../../src";
import { rejectionOf } from "../support/checks/rejection";

const auth = { authorization: `Bearer ${DEFAULT_TOKEN}` };
type Json = Record<string, any>;

async function put(box: ProxiedServer, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${box.api}${path}`, { method: "PUT", headers: { ...auth, "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Json };
}

const names = (box: ProxiedServer, folderId: string) => box.server.list(folderId).map((i) => `${i.type}:${i.name}`);

describe("local Box server: moving and renaming", () => {
  let box: ProxiedServer;
  beforeAll(async () => (box = await startProxiedServer()));
  afterAll(async () => {
    await box.close();
  });

  test("a file moved to another folder and renamed keeps its ID and versions; its etag changes", async () => {
    const from = box.server.addFolder("From");
    const to = box.server.addFolder("To");
    const file = box.server.addFile("draft.txt", Buffer.from("one"), from.id);
    box.server.state.addVersion(file, { sha1: sha1(Buffer.from("two!")), size: 4 });
    const versions = file.versions.map((v) => v.id);
    const r = await put(box, `/files/${file.id}`, { name: "Final.txt", parent: { id: to.id } }, { "if-match": "1" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ type: "file", id: file.id, name: "Final.txt", etag: "2", size: 4, sha1: sha1(Buffer.from("two!")), parent: { id: to.id, name: "To" } });
    expect(r.body.path_collection.entries.map((f: Json) => f.id)).toEqual(["0", to.id]);
    expect(box.server.files.get(file.id)!.versions.map((v) => v.id)).toEqual(versions);
    expect(names(box, from.id)).toEqual([]);
    expect(names(box, to.id)).toEqual(["file:Final.txt"]);
    // A rename in place, a move alone, and `fields` (the mini fields plus those asked for).
    const renamed = await put(box, `/files/${file.id}?fields=parent,size`, { name: "final.TXT" });
    expect(Object.keys(renamed.body).sort()).toEqual(["etag", "file_version", "id", "name", "parent", "sequence_id", "sha1", "size", "type"]);
    expect(renamed.body).toMatchObject({ name: "final.TXT", etag: "3" });
    expect((await put(box, `/files/${file.id}`, { parent: { id: from.id } })).body).toMatchObject({ name: "final.TXT", etag: "4", parent: { id: from.id } });
  });

  test("a stale If-Match is 412 precondition_failed and nothing moves", async () => {
    const to = box.server.addFolder("Stale target");
    const file = box.server.addFile("stale.txt", Buffer.from("s"));
    const r = await put(box, `/files/${file.id}`, { parent: { id: to.id } }, { "if-match": "7" });
    expect([r.status, r.body.code]).toEqual([412, "precondition_failed"]);
    expect(file).toMatchObject({ folderId: "0", etag: 0 });
    const folder = box.server.addFolder("Stale folder");
    const f = await put(box, `/folders/${folder.id}`, { parent: { id: to.id } }, { "if-match": "3" });
    expect([f.status, f.body.code]).toEqual([412, "precondition_failed"]);
    expect(folder).toMatchObject({ parentId: "0", etag: 0 });
  });

  test("a name taken in the target folder (any case, file or folder) is 409 item_name_in_use naming the item; nothing moves", async () => {
    const target = box.server.addFolder("Taken");
    const there = box.server.addFile("Report.pdf", Buffer.from("r"), target.id);
    const sub = box.server.addFolder("Photos", target.id);
    const file = box.server.addFile("report.pdf", Buffer.from("mine"));
    const clash = await put(box, `/files/${file.id}`, { parent: { id: target.id } });
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ type: "error", status: 409, code: "item_name_in_use" });
    expect(clash.body.context_info.conflicts).toEqual([expect.objectContaining({ type: "file", id: there.id, name: "Report.pdf", sha1: sha1(Buffer.from("r")) })]);
    const onFolder = await put(box, `/files/${file.id}`, { name: "PHOTOS", parent: { id: target.id } });
    expect(onFolder.body.context_info.conflicts).toEqual([{ type: "folder", id: sub.id, sequence_id: "0", etag: "0", name: "Photos" }]);
    expect(file).toMatchObject({ folderId: "0", name: "report.pdf", etag: 0 });
    const folder = box.server.addFolder("photos");
    const f = await put(box, `/folders/${folder.id}`, { parent: { id: target.id } });
    expect([f.status, f.body.context_info.conflicts[0].id]).toEqual([409, sub.id]);
    expect(folder.parentId).toBe("0");
  });

  test("unknown items and parents are 404; a bad name or parent is 400", async () => {
    const file = box.server.addFile("kept.txt", Buffer.from("k"));
    expect((await put(box, "/files/424242", { name: "x.txt" })).status).toBe(404);
    expect((await put(box, "/folders/424242", { name: "x" })).status).toBe(404);
    const noParent = await put(box, `/files/${file.id}`, { parent: { id: "424242" } });
    expect([noParent.status, noParent.body.code]).toEqual([404, "not_found"]);
    expect((await put(box, `/files/${file.id}`, { name: "a/b" })).body.code).toBe("item_name_invalid");
    expect((await put(box, `/files/${file.id}`, { parent: "0" })).status).toBe(400);
    expect(file).toMatchObject({ folderId: "0", name: "kept.txt", etag: 0 });
  });

  test("a folder moved under another keeps its ID, its files and sub-folders; its etag changes", async () => {
    const archive = box.server.addFolder("Archive");
    const project = box.server.addFolder("Project");
    const deep = box.server.addFolders("src/lib", project.id);
    const file = box.server.addFile("main.ts", Buffer.from("main"), deep.id);
    const before = box.server.tree(project.id);
    const r = await put(box, `/folders/${project.id}`, { parent: { id: archive.id } }, { "if-match": "0" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ type: "folder", id: project.id, name: "Project", etag: "1", parent: { id: archive.id }, item_collection: { total_count: 1 } });
    expect(r.body.path_collection.entries.map((f: Json) => f.id)).toEqual(["0", archive.id]);
    expect(box.server.tree(project.id)).toEqual(before);
    expect([...box.server.filesByPath(archive.id).keys()]).toEqual(["Project/src/lib/main.ts"]);
    expect(box.server.files.get(file.id)!.folderId).toBe(deep.id);
    expect(names(box, "0")).not.toContain("folder:Project");
    // A rename is a call of its own; its own name in another case is no clash.
    expect((await put(box, `/folders/${project.id}`, { name: "PROJECT" })).body).toMatchObject({ name: "PROJECT", etag: "2" });
  });

  test("a folder is never moved into itself or below itself: 400 bad_request, nothing moves", async () => {
    const top = box.server.addFolder("Top");
    const deep = box.server.addFolders("a/b/c", top.id);
    for (const parent of [top.id, deep.id, deep.parentId!]) {
      const r = await put(box, `/folders/${top.id}`, { parent: { id: parent } });
      expect([r.status, r.body.code]).toEqual([400, "bad_request"]);
    }
    expect(top).toMatchObject({ parentId: "0", etag: 0 });
    expect([...box.server.filesByPath(top.id).keys()]).toEqual([]);
    expect(box.server.tree(top.id)).toMatchObject([{ name: "a", children: [{ name: "b", children: [{ name: "c" }] }] }]);
  });

  test("a folder move that also renames is 403 operation_limit_exceeded, as Box documents; the root is never moved", async () => {
    const folder = box.server.addFolder("Both");
    const target = box.server.addFolder("Both target");
    const r = await put(box, `/folders/${folder.id}`, { name: "Both renamed", parent: { id: target.id } });
    expect([r.status, r.body.code]).toEqual([403, "operation_limit_exceeded"]);
    expect(folder).toMatchObject({ name: "Both", parentId: "0" });
    expect((await put(box, "/folders/0", { name: "Everything" })).status).toBe(403);
    expect(box.server.folders.get("0")!.name).toBe("All Files");
  });

  test("moveFile and moveFolder are the route names the log sees, counted as calls", () => {
    const routes = new Set(box.server.log.map((r) => r.route));
    expect(routes).toEqual(new Set(["moveFile", "moveFolder"]));
    expect([kindOf("moveFile"), kindOf("moveFolder")]).toEqual(["call", "call"]);
  });

  test("every exchange matched the fragment, but the requests refused on purpose", () => {
    expect(box.proxy.exchanges).toBeGreaterThan(15);
    // Bodies made invalid on purpose (a parent that is not an object): the fragment refuses them too.
    expect(box.proxy.violations.filter((v) => !(v.side === "request" && v.exchange.endsWith("-> 400")))).toEqual([]);
  });
});

describe("local Box server: moves through the client", () => {
  let h: Harness;
  beforeAll(async () => (h = await startHarness()));
  afterAll(async () => {
    await h.close();
  });

  test("moveFile and moveFolder: the items Box answers, Box's refusals as BoxApiError, the client's own before sending", async () => {
    const docs = h.server.addFolder("Docs");
    const file = h.server.addFile("a.txt", Buffer.from("a"));
    const moved = await h.client.api.moveFile(file.id, { name: "b.txt", parentId: docs.id, ifMatch: "0" });
    expect(moved).toMatchObject({ id: file.id, name: "b.txt", etag: "1", parent: { id: docs.id }, size: 1, sha1: sha1(Buffer.from("a")) });
    const stale = await rejectionOf(h.client.api.moveFile(file.id, { name: "c.txt", ifMatch: "0" }), BoxApiError);
    expect([stale.status, stale.code]).toEqual([412, "precondition_failed"]);
    h.server.addFile("taken.txt", Buffer.from("t"), docs.id);
    const taken = await rejectionOf(h.client.api.moveFile(file.id, { name: "TAKEN.txt" }), BoxApiError);
    expect(taken.conflict).toMatchObject({ type: "file", name: "taken.txt" });

    const inner = h.server.addFolder("Inner", docs.id);
    const folder = await h.client.api.moveFolder(inner.id, { parentId: "0", ifMatch: "0" });
    expect(folder).toMatchObject({ id: inner.id, etag: "1", parent: { id: "0" } });
    await expect(h.client.api.moveFolder(docs.id, { name: "Documents" })).resolves.toMatchObject({ id: docs.id, name: "Documents" });
    const into = await rejectionOf(h.client.api.moveFolder(docs.id, { parentId: h.server.addFolder("Below", docs.id).id }), BoxApiError);
    expect([into.status, into.code]).toEqual([400, "bad_request"]);
    await rejectionOf(h.client.api.moveFolder(docs.id, { name: "D", parentId: "0" }), BoxInputError);
    expect(h.proxy.violations).toEqual([]);
  });
});
