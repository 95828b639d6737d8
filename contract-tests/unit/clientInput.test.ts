/** Bad arguments are refused with BoxInputError before any request leaves the client. */
import { BoxApiError, BoxInputError, BoxProtocolError, BoxUploadClient } from "../../src";
import { VERSION } from "../../src/core/version";
import { rejectionOf } from "../support/checks/rejection";

let sent = 0;
const client = new BoxUploadClient({
  token: "t0k3n-secret",
  baseUrl: "http://127.0.0.1:9/api/2.0",
  fetch: async () => {
    sent++;
    return new Response("{}", { status: 500 });
  },
});
afterEach(() => expect(sent).toBe(0));

const SHA1 = "a9993e364706816aba3e25717850c26c9cd0d89d";
const badIds = ["", "12a", "-1", "1/2", " 1", 12345, null, undefined, {}];
const badSizes = [0, -1, 1.5, NaN, Infinity, 2 ** 53, "100", null, undefined, 10n];
const badNames = ["", "a/b", "a\\b", ".", "..", "trailing ", "x".repeat(256), "tab\there", 5];

async function refused(call: () => Promise<unknown>, argument: RegExp): Promise<void> {
  const err = await rejectionOf(call(), BoxInputError);
  expect(err).toBeInstanceOf(TypeError);
  expect(err.argument).toMatch(argument);
  expect(err.message).not.toContain("t0k3n-secret");
}

test.each(badIds)("file id %p", (id) =>
  refused(() => client.api.createUploadSessionForExistingFile(id as string, { fileSize: 1 }), /fileId/));
test.each(badIds)("folder id %p", (id) =>
  refused(() => client.api.createUploadSession(id as string, { fileSize: 1, fileName: "a" }), /folderId/));
test.each(badSizes)("file size %p", (size) =>
  refused(() => client.api.createUploadSessionForExistingFile("1", { fileSize: size as number }), /fileSize/));
test.each(badNames)("file name %p", (name) =>
  refused(() => client.api.createUploadSessionForExistingFile("1", { fileSize: 1, fileName: name as string }), /fileName/));
test("a new file needs a name", () => refused(() => client.api.createUploadSession("0", { fileSize: 1 } as never), /fileName/));
test.each(["", "../x", "a/b", "a?b", 7])("session id %p", (id) => refused(() => client.api.getUploadSession(id as string), /sessionId/));

test("part uploads check bytes, offset, size and sha1", async () => {
  await refused(() => client.api.uploadPart("S1", new Uint8Array(0), { offset: 0, fileSize: 1, sha1: SHA1 }), /bytes/);
  await refused(() => client.api.uploadPart("S1", "abc" as never, { offset: 0, fileSize: 3, sha1: SHA1 }), /bytes/);
  await refused(() => client.api.uploadPart("S1", new Uint8Array(4), { offset: -1, fileSize: 4, sha1: SHA1 }), /offset/);
  await refused(() => client.api.uploadPart("S1", new Uint8Array(4), { offset: 2, fileSize: 4, sha1: SHA1 }), /bytes/);
  await refused(() => client.api.uploadPart("S1", new Uint8Array(4), { offset: 0, fileSize: 4, sha1: "ABC" }), /sha1/);
});

test("commit checks parts, digest and preconditions", async () => {
  await refused(() => client.api.commitUploadSession("S1", { parts: [], sha1: SHA1 }), /parts/);
  await refused(() => client.api.commitUploadSession("S1", { parts: [{}], sha1: "x" }), /sha1/);
  await refused(() => client.api.commitUploadSession("S1", { parts: [{}], sha1: SHA1, ifMatch: "" }), /ifMatch/);
});

test("list parts checks its page", async () => {
  await refused(() => client.api.listUploadedParts("S1", { limit: 0 }), /limit/);
  await refused(() => client.api.listUploadedParts("S1", { limit: 1001 }), /limit/);
  await refused(() => client.api.listUploadedParts("S1", { offset: -5 }), /offset/);
});

test("plain http is refused except on loopback; credentials in URLs are refused", () => {
  for (const baseUrl of ["http://upload.box.com/api/2.0", "http://127.evil.example/api/2.0", "http://localhost.evil.example/", "ftp://127.0.0.1/", "not a url", "https://u:p@upload.box.com/api/2.0"]) {
    expect(() => new BoxUploadClient({ token: "t", baseUrl })).toThrow(BoxInputError);
  }
  for (const baseUrl of ["http://localhost:1/api/2.0", "http://127.0.0.1:1/api/2.0", "http://127.1.2.3:1/", "http://[::1]:1/"]) {
    expect(() => new BoxUploadClient({ token: "t", baseUrl })).not.toThrow();
  }
});

test("the token is never sent to an origin other than the configured one", async () => {
  await rejectionOf(client.api.getUploadSession("S1", { baseUrl: "https://evil.example/api/2.0" }), BoxInputError);
  // Straight through openapi-fetch, bypassing our methods: the middleware still refuses.
  const raw = await rejectionOf(
    client.api.openapi.GET("/files/upload_sessions/{upload_session_id}", { params: { path: { upload_session_id: "S1" } }, baseUrl: "https://evil.example" }),
    BoxProtocolError,
  );
  expect(String(raw)).not.toContain("t0k3n-secret");
});

test("Box's own upload hosts are trusted only when the base URL is Box's", async () => {
  // A fetch of our own answers, so nothing leaves the machine: it sees where the token went.
  const seen: string[] = [];
  const fetch = async (request: Request) => {
    seen.push(`${request.url} ${request.headers.get("authorization")}`);
    return new Response(JSON.stringify({ type: "error", status: 404, code: "not_found" }), { status: 404, headers: { "content-type": "application/json" } });
  };
  const boxClient = new BoxUploadClient({ token: "t0k3n", fetch });
  await rejectionOf(boxClient.api.getUploadSession("X", { baseUrl: "https://upload.app.box.com/api/2.0" }), BoxApiError);
  expect(seen).toEqual(["https://upload.app.box.com/api/2.0/files/upload_sessions/X Bearer t0k3n"]);
  await rejectionOf(client.api.getUploadSession("X", { baseUrl: "https://upload.app.box.com/api/2.0" }), BoxInputError);
});

test("the user agent names this package's version", () => {
  expect(VERSION).toBe(require("../../package.json").version);
});
