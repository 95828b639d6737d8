/**
 * The folder operations the tree sync builds on, through the validating proxy: folders created
 * (a taken name is a 409 naming the existing item), and a folder's items read lazily across
 * marker pages with the fields that decide whether a file needs uploading (size, sha1).
 */
import { BoxApiError, type BoxApiTypes } from "../../src";
import { startHarness, type Harness } from "../support/harness";
import { bytesOf } from "../support/random";
import { sha1 } from "../support/sha1";
import { rejectionOf } from "../support/checks/rejection";
import { requestsTo } from "../support/serverLog";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ pageSizeCap: 3 }, { uploadDefaults: {} });
});
afterAll(() => h.close());
afterEach(() => expect(h.proxy.violations).toEqual([]));

test("createFolder makes nested folders; a taken name is a 409 naming the existing item", async () => {
  const a = await h.client.api.createFolder("0", "projects");
  const b = await h.client.api.createFolder(a.id, "2026 reports ünïcode");
  expect(b.name).toBe("2026 reports ünïcode");
  expect(h.server.tree("0")).toEqual(expect.arrayContaining([expect.objectContaining({ name: "projects", type: "folder" })]));
  const err = await rejectionOf(h.client.api.createFolder("0", "projects"), BoxApiError);
  expect(err.status).toBe(409);
  const conflicts = err.contextInfo?.conflicts as { id: string }[] | { id: string };
  expect((Array.isArray(conflicts) ? conflicts[0] : conflicts)?.id).toBe(a.id);
});

test("folderItems reads every item across pages, lazily, with size and sha1", async () => {
  const folder = await h.client.api.createFolder("0", "many");
  const files = new Map<string, string>();
  for (let i = 0; i < 8; i++) {
    const data = bytesOf(100 + i, i);
    await h.client.uploadNewFile(folder.id, `f${i}.bin`, data);
    files.set(`f${i}.bin`, sha1(data));
  }
  await h.client.api.createFolder(folder.id, "sub");
  const before = requestsTo(h.server, "listFolderItems").length;
  const seen: BoxApiTypes.FolderItem[] = [];
  for await (const item of h.client.api.folderItems(folder.id, ["name", "size", "sha1"])) seen.push(item);
  expect(requestsTo(h.server, "listFolderItems").length - before).toBe(3); // 9 items, pages of 3
  expect(seen.filter((i) => i.type === "folder").map((i) => i.name)).toEqual(["sub"]);
  const listed = new Map(seen.filter((i) => i.type === "file").map((i) => [i.name, (i as { sha1?: string }).sha1]));
  expect(listed).toEqual(files);

  // Lazy: stopping after the first item reads one page only.
  const mark = requestsTo(h.server, "listFolderItems").length;
  for await (const _ of h.client.api.folderItems(folder.id)) break;
  expect(requestsTo(h.server, "listFolderItems").length - mark).toBe(1);
});

test("a server that keeps answering the same marker is a BoxProtocolError, not a listing cut short", async () => {
  const { BoxUploadClient, BoxProtocolError } = await import("../../src");
  let calls = 0;
  const client = new BoxUploadClient({
    token: "t0k3n-value",
    baseUrl: "http://127.0.0.1:9/api/2.0",
    fetch: async () => {
      calls++;
      const body = { entries: [{ type: "file", id: "1", name: "a", etag: "0" }], limit: 1000, next_marker: "same" };
      return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
    },
  });
  const read = async () => {
    for await (const _ of client.api.folderItems("0")) void _;
  };
  await rejectionOf(read(), BoxProtocolError);
  expect(calls).toBe(2);
});
