/**
 * What a mirror, kept times and the upload plan add to the fragment, answered by Prism mocking it:
 * moving a file or a folder to the trash (every documented status, through the client's methods
 * and as plain typed calls), a commit whose body carries `attributes` (content times), which must
 * still validate, and the plan call.
 */
import createClient from "openapi-fetch";
import type { paths } from "../../generated/box-chunked-uploads";
import { BoxApiError, BoxInputError, BoxUploadClient } from "../../src";
import { rejectionOf } from "../support/checks/rejection";

const TOKEN = "prism-test-token-d31e";
const SESSION = "F971964745A5CD0C001BBE4E58196BFD";
const SHA1 = "134b65991ed521fcfe4724b7d814ab8ded5185dc";
// Prism ignores servers: the API host's operations are answered by the one mock.
const raw = createClient<paths>({ baseUrl: process.env.PRISM_URL!, headers: { authorization: `Bearer ${TOKEN}` } });
const violations = (r: Response) => r.headers.get("sl-violations") ?? "";

function clientAnswering(code?: number): BoxUploadClient {
  return new BoxUploadClient({
    token: TOKEN,
    baseUrl: process.env.PRISM_URL!,
    apiBaseUrl: process.env.PRISM_URL!,
    fetch: (request) => {
      if (code !== undefined) request.headers.set("prefer", `code=${code}`);
      return fetch(request);
    },
  });
}

describe("DELETE /files/{file_id} (to the trash, API host)", () => {
  test("204 through the client, with If-Match", async () => {
    await expect(clientAnswering(204).api.deleteFile("12345", { ifMatch: "1" })).resolves.toBeUndefined();
  });
  test.each([401, 404, 405, 412])("%i is a BoxApiError with Box's fields", async (code) => {
    const e = await rejectionOf(clientAnswering(code).api.deleteFile("12345", { ifMatch: "1" }), BoxApiError);
    expect(e).toMatchObject({ status: code, method: "DELETE", code: expect.any(String), requestId: expect.any(String) });
  });
  test("bad input is refused before anything is sent", async () => {
    await rejectionOf(clientAnswering().api.deleteFile("../1"), BoxInputError);
    await rejectionOf(clientAnswering().api.deleteFile("1", { ifMatch: "a\r\nb" }), BoxInputError);
  });
  test("Prism takes the documented request and answers 204 without a body", async () => {
    const { response } = await raw.DELETE("/files/{file_id}", { params: { path: { file_id: "12345" }, header: { "if-match": "1" } } });
    expect(response.status).toBe(204);
    expect(violations(response)).toBe("");
  });
});

describe("DELETE /folders/{folder_id} (to the trash, with what it holds when recursive)", () => {
  test("204 through the client, recursive, with If-Match; the root folder is refused before sending", async () => {
    await expect(clientAnswering(204).api.deleteFolder("12345", { recursive: true, ifMatch: "1" })).resolves.toBeUndefined();
    await rejectionOf(clientAnswering(204).api.deleteFolder("0", { recursive: true }), BoxInputError);
  });
  test.each([400, 403, 404, 409, 412, 503])("%i is a BoxApiError with Box's fields", async (code) => {
    const e = await rejectionOf(clientAnswering(code).api.deleteFolder("12345", { recursive: true }), BoxApiError);
    expect(e).toMatchObject({ status: code, method: "DELETE", code: expect.any(String) });
  });
  test("Prism takes recursive=true and If-Match, and refuses a recursive that is not a boolean", async () => {
    const ok = await raw.DELETE("/folders/{folder_id}", { params: { path: { folder_id: "12345" }, query: { recursive: true }, header: { "if-match": "1" } } });
    expect(ok.response.status).toBe(204);
    expect(violations(ok.response)).toBe("");
    const bad = await raw.DELETE("/folders/{folder_id}", { params: { path: { folder_id: "12345" }, query: { recursive: "maybe" as never } } });
    // Prism answers an invalid request with the operation's documented 400, naming the violation.
    expect(bad.response.status).toBe(400);
    expect(violations(bad.response)).toMatch(/recursive/);
  });
});

describe("POST /files/upload_sessions/{id}/commit with attributes", () => {
  test("content times in the commit body validate, through the client and as a plain call", async () => {
    const part = { part_id: "6F2D3486", offset: 0, size: 8388608, sha1: SHA1 };
    const r = await clientAnswering(201).api.commitUploadSession(SESSION, { parts: [part], sha1: SHA1, times: { contentModifiedAt: "2001-02-03T04:05:06Z", contentCreatedAt: "2000-01-01T00:00:00Z" } });
    expect(r.status).toBe("committed");
    const { response } = await raw.POST("/files/upload_sessions/{upload_session_id}/commit", {
      params: { path: { upload_session_id: SESSION }, header: { digest: "sha=E0tlmR7VIfz+RyS31+GrjehRhdw=" } },
      body: { parts: [part], attributes: { content_modified_at: "2001-02-03T04:05:06Z" } },
    });
    expect(response.status).toBe(201);
    expect(violations(response)).toBe("");
    // A time that is not one is refused by the client before sending.
    await rejectionOf(clientAnswering(201).api.commitUploadSession(SESSION, { parts: [part], sha1: SHA1, times: { contentModifiedAt: "yesterday" } }), BoxInputError);
  });
});

describe("POST /files/upload_sessions/{id}/plan (Box's upload plan)", () => {
  const H = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a089f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  const M = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
  const asked = [
    { offset: 0, size: 8388608, sha512: H },
    { offset: 8388608, size: 3222784, sha512: M },
  ];

  test("200 through the client: hits with a part_id, misses, for the parts asked about", async () => {
    const plan = await clientAnswering(200).api.planUploadSession(SESSION, asked);
    expect(plan).toEqual({ upload_session_id: SESSION, hits: [{ ...asked[0], part_id: "6F2D3486" }], misses: [asked[1]] });
  });
  test("an answer about parts that were not asked about is a BoxProtocolError; bad input never leaves", async () => {
    const { BoxProtocolError } = await import("../../src");
    await rejectionOf(clientAnswering(200).api.planUploadSession(SESSION, [asked[1]!]), BoxProtocolError);
    await rejectionOf(clientAnswering().api.planUploadSession(SESSION, []), BoxInputError);
    await rejectionOf(clientAnswering().api.planUploadSession(SESSION, [{ offset: 0, size: 1, sha512: "abc" }]), BoxInputError);
  });
  test("Prism takes the documented request, and refuses one without parts", async () => {
    const ok = await raw.POST("/files/upload_sessions/{upload_session_id}/plan", { params: { path: { upload_session_id: SESSION } }, body: { parts: asked } });
    expect(ok.response.status).toBe(200);
    expect(violations(ok.response)).toBe("");
    const bad = await raw.POST("/files/upload_sessions/{upload_session_id}/plan", { params: { path: { upload_session_id: SESSION } }, body: { parts: [] } });
    expect(bad.response.status).toBe(422);
  });
});
