/**
 * The folder-sync operations (list a folder's items, create a folder), answered by Prism mocking
 * the fragment, at the openapi-fetch level like moreOperations.test.ts: plain typed calls on the
 * generated `paths`, every documented status code picked with `Prefer: code=N` and checked for
 * the documented body, and requests that break the fragment refused by Prism.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "../../generated/box-chunked-uploads";

type Schemas = components["schemas"];
type ListQuery = NonNullable<paths["/folders/{folder_id}/items"]["get"]["parameters"]["query"]>;
type NewFolder = NonNullable<paths["/folders"]["post"]["requestBody"]>["content"]["application/json"];

const TOKEN = "prism-test-token-f01d";
const SYNC_FIELDS = ["id", "type", "name", "sha1", "size", "file_version"];

// Prism ignores servers: the API-host operations are answered by the one mock like the others.
const box = createClient<paths>({ baseUrl: process.env.PRISM_URL!, headers: { authorization: `Bearer ${TOKEN}` } });

const answering = (code: number | undefined, example?: string) =>
  code === undefined ? {} : { prefer: example ? `code=${code}, example=${example}` : `code=${code}` };

function listItems(code?: number, query: ListQuery = { fields: SYNC_FIELDS, offset: 0, limit: 1000, sort: "name", direction: "ASC" }) {
  return box.GET("/folders/{folder_id}/items", {
    params: { path: { folder_id: "0" }, query },
    headers: answering(code),
    // Box reads fields as one comma-separated value (explode: false in the fragment).
    querySerializer: { array: { style: "form", explode: false } },
  });
}

function createFolder(code?: number, body: NewFolder = { name: "Contracts 2024", parent: { id: "0" } }, example?: string) {
  return box.POST("/folders", {
    params: { query: { fields: ["id", "type", "name", "parent"] } },
    headers: answering(code, example),
    body,
    querySerializer: { array: { style: "form", explode: false } },
  });
}

/** Box's error body: the fields BoxApiError is built from, with the status repeated inside. */
function expectClientError(error: unknown, status: number): Schemas["ClientError"] {
  const e = error as Schemas["ClientError"];
  expect(e).toEqual(
    expect.objectContaining({ type: "error", status, code: expect.any(String), message: expect.any(String), request_id: expect.any(String) }),
  );
  return e;
}

function violations(response: Response): string {
  return response.headers.get("sl-violations") ?? "";
}

describe("GET /folders/{folder_id}/items (list a folder's items, API host)", () => {
  test("200: a page of Items, offset paging, with file, folder and web link entries", async () => {
    const { data, response } = await listItems(200);
    expect(response.status).toBe(200);
    expect(violations(response)).toBe("");
    expect(data).toEqual(expect.objectContaining({ total_count: expect.any(Number), offset: 0, limit: 1000, entries: expect.any(Array) }));
    const entries = data!.entries!;
    expect(entries).toHaveLength(data!.total_count!);
    expect(data!.order).toEqual(expect.arrayContaining([{ by: "type", direction: "ASC" }]));

    // The union narrows on `type`, as a sync walking the tree does.
    const file = entries.find((e): e is Schemas["File"] => e.type === "file");
    const folder = entries.find((e): e is Schemas["Folder--Mini"] => e.type === "folder");
    const link = entries.find((e): e is Schemas["WebLink--Mini"] => e.type === "web_link");
    expect(file).toEqual(
      expect.objectContaining({
        id: expect.any(String),
        name: expect.any(String),
        sha1: expect.stringMatching(/^[0-9a-f]{40}$/),
        size: expect.any(Number),
        file_version: expect.objectContaining({ type: "file_version", id: expect.any(String) }),
      }),
    );
    expect(folder).toEqual(expect.objectContaining({ id: expect.any(String), name: expect.any(String) }));
    expect(link).toEqual(expect.objectContaining({ id: expect.any(String), url: expect.stringMatching(/^https:\/\//) }));
  });

  test("marker paging (usemarker, marker) is a valid request", async () => {
    const { data, response } = await listItems(200, { usemarker: true, marker: "JV9IRGZmieiBasejOG9yDCRNgd2ymoZIbjsxbJMjIs3kioVii", limit: 100, fields: SYNC_FIELDS });
    expect(response.status).toBe(200);
    expect(violations(response)).toBe("");
    expect(data!.entries).toEqual(expect.any(Array));
  });

  test("fields is sent as one comma-separated value", async () => {
    const { response } = await listItems(200);
    expect(new URL(response.url).searchParams.getAll("fields")).toEqual([SYNC_FIELDS.join(",")]);
  });

  test.each([403, 404, 405, 500])("%i: Box's error body", async (code) => {
    const { error, response } = await listItems(code);
    expect(response.status).toBe(code);
    expectClientError(error, code);
  });
});

describe("POST /folders (create a folder, API host)", () => {
  test("201: the new Folder", async () => {
    const { data, response } = await createFolder(201);
    expect(response.status).toBe(201);
    expect(violations(response)).toBe("");
    expect(data).toEqual(
      expect.objectContaining({ type: "folder", id: expect.any(String), name: "Contracts 2024", parent: expect.objectContaining({ type: "folder", id: "0" }) }),
    );
    expect(data!.path_collection!.entries[0]).toEqual(expect.objectContaining({ id: "0", sequence_id: null }));
    expect(data!.item_collection!.entries).toEqual([]);
  });

  test("the optional body fields (folder_upload_email, sync_state) are accepted", async () => {
    const { response } = await createFolder(201, { name: "Inbox", parent: { id: "0" }, folder_upload_email: { access: "collaborators" }, sync_state: "not_synced" });
    expect(response.status).toBe(201);
    expect(violations(response)).toBe("");
  });

  test("409 item_name_in_use: context_info.conflicts lists the existing folder", async () => {
    const { error, response } = await createFolder(409);
    expect(response.status).toBe(409);
    const e = expectClientError(error, 409) as Schemas["FolderConflictError"];
    expect(e.code).toBe("item_name_in_use");
    const conflicts = e.context_info!.conflicts!;
    expect(Array.isArray(conflicts)).toBe(true);
    expect(conflicts[0]).toEqual(expect.objectContaining({ type: "folder", id: "12345", name: "Contracts 2024" }));
  });

  test("409 operation_blocked_temporary: no conflicts, retry later", async () => {
    const { error, response } = await createFolder(409, undefined, "blocked");
    expect(response.status).toBe(409);
    const e = expectClientError(error, 409) as Schemas["FolderConflictError"];
    expect(e.code).toBe("operation_blocked_temporary");
    expect(e.context_info?.conflicts).toBeUndefined();
  });

  test.each([400, 403, 404, 500])("%i: Box's error body", async (code) => {
    const { error, response } = await createFolder(code);
    expect(response.status).toBe(code);
    expectClientError(error, code);
  });
});

describe("Prism validates these requests against the fragment", () => {
  // The listing has no 400, so Prism answers an invalid request with 422; folder creation has a
  // 400, so Prism answers with it. Either way sl-violations says what was wrong, so an example
  // body cannot pass for a rejection.
  test("a listing with limit 5000 (above Box's cap of 1000) is rejected with 422", async () => {
    const { response } = await listItems(undefined, { limit: 5000 });
    expect(response.status).toBe(422);
    expect(violations(response)).toContain("limit");
  });

  test("a listing sorted by an unknown key is rejected with 422", async () => {
    const { response } = await listItems(undefined, { sort: "modified_at" as ListQuery["sort"] });
    expect(response.status).toBe(422);
    expect(violations(response)).toContain("sort");
  });

  test("creating a folder without a name is rejected (the operation's 400)", async () => {
    const { response } = await createFolder(undefined, { parent: { id: "0" } } as NewFolder);
    expect(response.status).toBe(400);
    expect(violations(response)).toContain("required property 'name'");
  });

  test("creating a folder with an empty name or no parent id is rejected (the operation's 400)", async () => {
    const empty = await createFolder(undefined, { name: "", parent: { id: "0" } });
    expect(empty.response.status).toBe(400);
    expect(violations(empty.response)).toContain("name");
    const noParentId = await createFolder(undefined, { name: "Contracts 2024", parent: {} as NewFolder["parent"] });
    expect(noParentId.response.status).toBe(400);
    expect(violations(noParentId.response)).toContain("required property 'id'");
  });

  test("the same calls made correctly pass validation (so the rejections are about the broken parts)", async () => {
    for (const { response } of [await listItems(), await listItems(undefined, { limit: 1000 }), await createFolder()]) {
      expect(response.ok).toBe(true);
      expect(violations(response)).toBe("");
    }
  });

  test("calls without a bearer token are refused with 401", async () => {
    const anonymous = createClient<paths>({ baseUrl: process.env.PRISM_URL! });
    const listing = await anonymous.GET("/folders/{folder_id}/items", { params: { path: { folder_id: "0" } } });
    expect(listing.response.status).toBe(401);
    expect(violations(listing.response)).toContain("security");
    const creation = await anonymous.POST("/folders", { body: { name: "Contracts 2024", parent: { id: "0" } } });
    expect(creation.response.status).toBe(401);
  });
});
