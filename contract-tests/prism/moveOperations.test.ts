/**
 * Moving or renaming a file or a folder (PUT /files/{file_id}, PUT /folders/{folder_id}), answered
 * by Prism mocking the fragment: every documented status through the client's methods, the plain
 * typed calls with `fields` and If-Match, and the arguments the client refuses before sending.
 */
import createClient from "openapi-fetch";
import type { paths } from "../../generated/box-chunked-uploads";
import { BoxApiError, BoxInputError, BoxUploadClient } from "../../src";
import { rejectionOf } from "../support/checks/rejection";

const TOKEN = "prism-test-token-m0v3";
// Prism ignores servers: the API host's operations are answered by the one mock.
const raw = createClient<paths>({ baseUrl: process.env.PRISM_URL!, headers: { authorization: `Bearer ${TOKEN}` } });
const violations = (r: Response) => r.headers.get("sl-violations") ?? "";

/** A client whose requests ask Prism for `code`, and the requests it sent (method and path). */
function clientAnswering(code?: number): { client: BoxUploadClient; sent: string[] } {
  const sent: string[] = [];
  const client = new BoxUploadClient({
    token: TOKEN,
    baseUrl: process.env.PRISM_URL!,
    apiBaseUrl: process.env.PRISM_URL!,
    fetch: (request) => {
      sent.push(`${request.method} ${new URL(request.url).pathname}`);
      if (code !== undefined) request.headers.set("prefer", `code=${code}`);
      return fetch(request);
    },
  });
  return { client, sent };
}

describe("PUT /files/{file_id} (move or rename a file, API host)", () => {
  test("200 through the client: renamed and moved with If-Match, the same file under a new etag", async () => {
    const { client, sent } = clientAnswering(200);
    const file = await client.api.moveFile("12345", { name: "Notes 2024.txt", parentId: "11446498", ifMatch: "1" });
    expect(file).toMatchObject({ type: "file", id: "12345", etag: "2", name: "Notes 2024.txt", parent: { id: "11446498" } });
    expect(sent).toEqual(["PUT /files/12345"]);
    // A rename alone, and a move alone, are calls of their own.
    await expect(client.api.moveFile("12345", { name: "Notes 2024.txt" })).resolves.toMatchObject({ id: "12345" });
    await expect(client.api.moveFile("12345", { parentId: "0" })).resolves.toMatchObject({ id: "12345" });
  });

  test("409 names the item that holds the name", async () => {
    const e = await rejectionOf(clientAnswering(409).client.api.moveFile("12345", { name: "Notes 2024.txt" }), BoxApiError);
    expect(e).toMatchObject({ status: 409, method: "PUT", code: "item_name_in_use" });
    expect(e.conflict).toEqual({ type: "file", id: "12346", name: "Notes 2024.txt", sha1: "85136c79cbf9fe36bb9d05d0639c70c265c18d37" });
  });

  test.each([400, 401, 403, 404, 405, 412])("%i is a BoxApiError with Box's fields", async (code) => {
    const e = await rejectionOf(clientAnswering(code).client.api.moveFile("12345", { parentId: "11446498", ifMatch: "1" }), BoxApiError);
    expect(e).toMatchObject({ status: code, method: "PUT", code: expect.any(String), requestId: expect.any(String) });
  });

  test("bad arguments are refused before anything is sent", async () => {
    const { client, sent } = clientAnswering(200);
    const refusals: [() => Promise<unknown>, string][] = [
      [() => client.api.moveFile("../1", { name: "a.txt" }), "fileId"],
      [() => client.api.moveFile("12345", {}), "to"],
      [() => client.api.moveFile("12345", undefined as never), "to"],
      [() => client.api.moveFile("12345", { ifMatch: "1" }), "to"],
      [() => client.api.moveFile("12345", { name: "a/b.txt" }), "name"],
      [() => client.api.moveFile("12345", { name: "trailing " }), "name"],
      [() => client.api.moveFile("12345", { parentId: "folder" }), "parentId"],
      [() => client.api.moveFile("12345", { name: "a.txt", ifMatch: "a\r\nb" }), "ifMatch"],
    ];
    for (const [call, argument] of refusals) {
      expect(await rejectionOf(call(), BoxInputError)).toMatchObject({ argument });
    }
    expect(sent).toEqual([]);
  });

  test("Prism takes the documented request (fields, If-Match, name and parent) and refuses a parent that is not an object", async () => {
    const ok = await raw.PUT("/files/{file_id}", {
      params: { path: { file_id: "12345" }, query: { fields: "id,name,parent,etag" as never }, header: { "if-match": "1" } },
      body: { name: "Notes 2024.txt", parent: { id: "11446498" } },
    });
    expect(ok.response.status).toBe(200);
    expect(violations(ok.response)).toBe("");
    const bad = await raw.PUT("/files/{file_id}", { params: { path: { file_id: "12345" } }, body: { parent: "11446498" as never } });
    expect(bad.response.status).toBe(400);
    expect(violations(bad.response)).toMatch(/parent/);
  });
});

describe("PUT /folders/{folder_id} (move or rename a folder, API host)", () => {
  test("200 through the client: moved with If-Match, the same folder and contents under a new etag; renamed in a call of its own", async () => {
    const { client, sent } = clientAnswering(200);
    const folder = await client.api.moveFolder("11446500", { parentId: "11446498", ifMatch: "0" });
    expect(folder).toMatchObject({ type: "folder", id: "11446500", etag: "1", parent: { id: "11446498" }, item_collection: { total_count: 1 } });
    await expect(client.api.moveFolder("11446500", { name: "Contracts 2025" })).resolves.toMatchObject({ id: "11446500" });
    expect(sent).toEqual(["PUT /folders/11446500", "PUT /folders/11446500"]);
  });

  test("409 names the item that holds the name", async () => {
    const e = await rejectionOf(clientAnswering(409).client.api.moveFolder("11446500", { name: "Contracts 2025" }), BoxApiError);
    expect(e).toMatchObject({ status: 409, method: "PUT", code: "item_name_in_use" });
    expect(e.conflict).toEqual({ type: "folder", id: "12345", name: "Contracts 2025" });
  });

  test.each([400, 403, 404, 412, 503])("%i is a BoxApiError with Box's fields", async (code) => {
    const e = await rejectionOf(clientAnswering(code).client.api.moveFolder("11446500", { parentId: "11446498" }), BoxApiError);
    expect(e).toMatchObject({ status: code, method: "PUT", code: expect.any(String) });
  });

  test("the root, a move into itself, a move that also renames, and bad arguments are refused before sending", async () => {
    const { client, sent } = clientAnswering(200);
    const refusals: [() => Promise<unknown>, string][] = [
      [() => client.api.moveFolder("0", { parentId: "11446498" }), "folderId"],
      [() => client.api.moveFolder("0", { name: "Root" }), "folderId"],
      [() => client.api.moveFolder("11446500", { parentId: "11446500" }), "parentId"],
      // Box takes parent.id alone in a move (403 operation_limit_exceeded otherwise).
      [() => client.api.moveFolder("11446500", { name: "Contracts 2025", parentId: "11446498" }), "to"],
      [() => client.api.moveFolder("11446500", {}), "to"],
      [() => client.api.moveFolder("11446500", { name: ".." }), "name"],
      [() => client.api.moveFolder("11446500", { parentId: "" }), "parentId"],
      [() => client.api.moveFolder("11446500", { name: "ok", ifMatch: " 1" }), "ifMatch"],
    ];
    for (const [call, argument] of refusals) {
      expect(await rejectionOf(call(), BoxInputError)).toMatchObject({ argument });
    }
    expect(sent).toEqual([]);
  });

  test("Prism takes the documented request (fields, If-Match, parent) and refuses a name that is not a string", async () => {
    const ok = await raw.PUT("/folders/{folder_id}", {
      params: { path: { folder_id: "11446500" }, query: { fields: "id,name,parent" as never }, header: { "if-match": "0" } },
      body: { parent: { id: "11446498" } },
    });
    expect(ok.response.status).toBe(200);
    expect(violations(ok.response)).toBe("");
    const bad = await raw.PUT("/folders/{folder_id}", { params: { path: { folder_id: "11446500" } }, body: { name: 42 as never } });
    expect(bad.response.status).toBe(400);
    expect(violations(bad.response)).toMatch(/name/);
  });
});
