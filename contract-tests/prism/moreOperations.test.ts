/**
 * The operations around the chunked upload (direct upload of a file or a version, the preflight
 * check, file information, the token endpoint), answered by Prism mocking the fragment. These are
 * plain typed openapi-fetch calls on the generated `paths`, so the fragment itself is what is
 * tested, apart from the client's methods: every documented status code (picked with `Prefer: code=N`) must come back
 * with a body of the documented shape, and requests that break the fragment must be refused.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "../../generated/box-chunked-uploads";

type Schemas = components["schemas"];
type Attributes = { name: string; parent?: { id: string }; content_created_at?: string; content_modified_at?: string };

const TOKEN = "prism-test-token-5c1d";
const SHA1 = "85136c79cbf9fe36bb9d05d0639c70c265c18d37";
const CONTENT = "hello, box\n";

// Every call below goes to the one Prism process, whatever host the fragment names for the
// operation (upload host, API host, or the API origin for /oauth2/token): Prism ignores servers.
const box = createClient<paths>({ baseUrl: process.env.PRISM_URL!, headers: { authorization: `Bearer ${TOKEN}` } });
const tokenEndpoint = createClient<paths>({ baseUrl: process.env.PRISM_URL! });

const answering = (code: number | undefined) => (code === undefined ? {} : { prefer: `code=${code}` });

/**
 * Builds the multipart body in the order Box insists on: `attributes` (JSON text) first, then
 * `file`. The typed body carries the attributes; the bytes are added here as a Blob.
 */
function multipart(body: { attributes: string; file: string } | undefined, bytes: string | undefined): FormData {
  const form = new FormData();
  form.append("attributes", body!.attributes);
  if (bytes) form.append("file", new Blob([bytes]), "Notes.txt");
  return form;
}

function uploadFile(code?: number, options: { attributes?: Attributes; bytes?: string | undefined } = {}) {
  const attributes: Attributes = options.attributes ?? { name: "Notes.txt", parent: { id: "0" }, content_modified_at: "2024-06-07T10:53:43-07:00" };
  return box.POST("/files/content", {
    params: { header: { "content-md5": SHA1 }, query: { fields: ["id", "type", "name", "sha1"] } },
    headers: answering(code),
    body: { attributes: JSON.stringify(attributes), file: "" },
    bodySerializer: (body) => multipart(body, "bytes" in options ? options.bytes : CONTENT),
    querySerializer: { array: { style: "form", explode: false } },
  });
}

function uploadVersion(code?: number, options: { bytes?: string | undefined } = {}) {
  return box.POST("/files/{file_id}/content", {
    params: { path: { file_id: "12345" }, header: { "if-match": "1", "content-md5": SHA1 } },
    headers: answering(code),
    body: { attributes: JSON.stringify({ name: "Notes.txt" } satisfies Attributes), file: "" },
    bodySerializer: (body) => multipart(body, "bytes" in options ? options.bytes : CONTENT),
  });
}

function preflight(code?: number) {
  return box.OPTIONS("/files/content", {
    headers: answering(code),
    // 5 GB: beyond int32, which is why the fragment says int64 for size.
    body: { name: "Project.mov", size: 5_000_000_000, parent: { id: "0" } },
  });
}

function getFile(code?: number) {
  return box.GET("/files/{file_id}", {
    params: { path: { file_id: "12345" }, query: { fields: ["id", "type", "name", "sha1", "etag"] }, header: { "if-none-match": "0" } },
    headers: answering(code),
    querySerializer: { array: { style: "form", explode: false } },
  });
}

type TokenForm = NonNullable<paths["/oauth2/token"]["post"]["requestBody"]>["content"]["application/x-www-form-urlencoded"];

const clientCredentials: TokenForm = {
  grant_type: "client_credentials",
  client_id: "ly1nj6n11vionaie65emwzk575hnnmrk",
  client_secret: "hOzsTeFlT6ko0dme22uGbQal04SBPYc1",
  box_subject_type: "enterprise",
  box_subject_id: "123456789",
};

const refresh: TokenForm = {
  grant_type: "refresh_token",
  client_id: "ly1nj6n11vionaie65emwzk575hnnmrk",
  client_secret: "hOzsTeFlT6ko0dme22uGbQal04SBPYc1",
  refresh_token: "b4KlbGJpc2Q0bFdmeFZpZ2VzbU1jNnpHb0tVTXVzS1RxT0dOaGtjZg",
};

function token(form: TokenForm, code?: number) {
  return tokenEndpoint.POST("/oauth2/token", {
    headers: { "content-type": "application/x-www-form-urlencoded", ...answering(code) },
    body: form,
    // openapi-fetch would pick form encoding from the content-type itself, but its check
    // (`headers.get instanceof Function`) fails across jest's realms, so say it explicitly.
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
  });
}

function expectFile(file: Schemas["File"] | undefined): void {
  expect(file).toEqual(
    expect.objectContaining({
      type: "file",
      id: expect.any(String),
      etag: expect.any(String),
      name: expect.any(String),
      sha1: expect.stringMatching(/^[0-9a-f]{40}$/),
      size: expect.any(Number),
      file_version: expect.objectContaining({ type: "file_version", id: expect.any(String) }),
    }),
  );
}

function expectFiles(files: Schemas["Files"] | undefined): void {
  expect(files?.entries).toHaveLength(files!.total_count!);
  expectFile(files!.entries![0]);
}

/** Box's error body: the fields BoxApiError is built from, with the status repeated inside. */
function expectClientError(error: unknown, status: number): Schemas["ClientError"] {
  const e = error as Schemas["ClientError"];
  expect(e).toEqual(
    expect.objectContaining({ type: "error", status, code: expect.any(String), message: expect.any(String), request_id: expect.any(String) }),
  );
  return e;
}

/** context_info.conflicts names the existing item: one object, or a list of them. */
function conflictingItem(error: Schemas["ClientError"] | Schemas["ConflictError"]): Schemas["FileConflict"] {
  const conflicts = (error.context_info as { conflicts?: Schemas["FileConflict"] | Schemas["FileConflict"][] } | null)?.conflicts;
  const item = Array.isArray(conflicts) ? conflicts[0] : conflicts;
  expect(item).toEqual(expect.objectContaining({ type: "file", id: expect.any(String), name: expect.any(String) }));
  return item!;
}

describe("POST /files/content (upload a small file, multipart, upload host)", () => {
  test("201: the new file inside a list", async () => {
    const { data, response } = await uploadFile(201);
    expect(response.status).toBe(201);
    expect(response.headers.get("sl-violations")).toBeNull();
    expectFiles(data);
  });

  test.each([400, 404, 500])("%i: Box's error body", async (code) => {
    const { error, response } = await uploadFile(code);
    expect(response.status).toBe(code);
    expectClientError(error, code);
  });

  test("409: the name is taken, and the error names the existing file", async () => {
    const { error, response } = await uploadFile(409);
    expect(response.status).toBe(409);
    const e = expectClientError(error, 409);
    expect(e.code).toBe("item_name_in_use");
    expect(conflictingItem(e).id).toBe("12345");
  });
});

describe("POST /files/{file_id}/content (upload a new version, multipart, upload host)", () => {
  test("200: the file inside a list", async () => {
    const { data, response } = await uploadVersion(200);
    expect(response.status).toBe(200);
    expect(response.headers.get("sl-violations")).toBeNull();
    expectFiles(data);
  });

  test.each([412, 500])("%i: Box's error body", async (code) => {
    const { error, response } = await uploadVersion(code);
    expect(response.status).toBe(code);
    expectClientError(error, code);
  });
});

describe("OPTIONS /files/content (preflight check, API host)", () => {
  test("200: the upload would be accepted (UploadUrl)", async () => {
    const { data, response } = await preflight(200);
    expect(response.status).toBe(200);
    expect(response.headers.get("sl-violations")).toBeNull();
    expect(data).toEqual({ upload_url: expect.stringMatching(/^https:\/\//), upload_token: expect.any(String) });
  });

  test("409: ConflictError naming the existing file", async () => {
    const { error, response } = await preflight(409);
    expect(response.status).toBe(409);
    const e = expectClientError(error, 409) as Schemas["ConflictError"];
    expect(conflictingItem(e)).toEqual(expect.objectContaining({ id: "12345", sha1: expect.stringMatching(/^[0-9a-f]{40}$/) }));
  });

  test("500: Box's error body", async () => {
    const { error, response } = await preflight(500);
    expect(response.status).toBe(500);
    expectClientError(error, 500);
  });
});

describe("GET /files/{file_id} (file information, API host)", () => {
  test("200: the file", async () => {
    const { data, response } = await getFile(200);
    expect(response.status).toBe(200);
    expect(response.headers.get("sl-violations")).toBeNull();
    expectFile(data);
    expect(data!.parent).toEqual(expect.objectContaining({ type: "folder", id: "0" }));
  });

  test("304: unchanged since if-none-match, no body", async () => {
    const { data, error, response } = await getFile(304);
    expect(response.status).toBe(304);
    expect(data).toBeUndefined();
    expect(error ?? "").toBe("");
  });

  test.each([401, 404, 405, 415, 500])("%i: Box's error body", async (code) => {
    const { error, response } = await getFile(code);
    expect(response.status).toBe(code);
    expectClientError(error, code);
  });
});

describe("POST /oauth2/token (token endpoint, at the API origin, no bearer token)", () => {
  test.each([
    ["client_credentials", clientCredentials],
    ["refresh_token", refresh],
  ])("200 for the %s grant: an AccessToken", async (_grant, form) => {
    const { data, response } = await token(form, 200);
    expect(response.status).toBe(200);
    expect(response.headers.get("sl-violations")).toBeNull();
    expect(data).toEqual(
      expect.objectContaining({
        access_token: expect.any(String),
        expires_in: expect.any(Number),
        token_type: "bearer",
        refresh_token: expect.any(String),
        restricted_to: expect.any(Array),
      }),
    );
  });

  test("the URL is the origin plus /oauth2/token, not under /2.0", async () => {
    const { response } = await token(clientCredentials, 200);
    expect(new URL(response.url).pathname).toBe("/oauth2/token");
  });

  test.each([400, 401])("%i: an OAuth2Error body (not Box's usual error body)", async (code) => {
    const { error, response } = await token(refresh, code);
    expect(response.status).toBe(code);
    const e = error as Schemas["OAuth2Error"];
    expect(e).toEqual({ error: expect.any(String), error_description: expect.any(String) });
  });
});

describe("Prism validates these requests against the fragment", () => {
  // Prism answers an invalid request with the operation's 422 response, else its 400, else
  // `default` (sent as 422), and lists what was wrong in the sl-violations header. Each case
  // checks that header, so a 400 that is the operation's own example cannot pass for a rejection.
  function violations(response: Response): string {
    return response.headers.get("sl-violations") ?? "";
  }

  test("a version upload without the file part is rejected with 422", async () => {
    const { response } = await uploadVersion(undefined, { bytes: undefined });
    expect(response.status).toBe(422);
    expect(violations(response)).toContain("required property 'file'");
  });

  test("a new-file upload without the file part is rejected (the operation's 400)", async () => {
    const { response } = await uploadFile(undefined, { bytes: undefined });
    expect(response.status).toBe(400);
    expect(violations(response)).toContain("required property 'file'");
  });

  test("a token request without grant_type is rejected (the operation's 400)", async () => {
    const { response } = await token({ client_id: "x", client_secret: "y" } as TokenForm);
    expect(response.status).toBe(400);
    expect(violations(response)).toContain("required property 'grant_type'");
  });

  test("a token request with an unknown grant_type is rejected", async () => {
    const { response } = await token({ ...clientCredentials, grant_type: "password" as TokenForm["grant_type"] });
    expect(response.status).toBe(400);
    expect(violations(response)).toContain("grant_type");
  });

  test("a preflight check with a size that is not a number is rejected with 422", async () => {
    const { response } = await box.OPTIONS("/files/content", { body: { name: "a.txt", size: "big" as never, parent: { id: "0" } } });
    expect(response.status).toBe(422);
    expect(violations(response)).toContain("size");
  });

  test("the same calls made correctly pass validation (so the rejections are about the broken parts)", async () => {
    for (const { response } of [await uploadFile(), await uploadVersion(), await token(clientCredentials), await preflight(), await getFile()]) {
      expect(response.ok).toBe(true);
      expect(violations(response)).toBe("");
    }
  });

  test("a call without a bearer token is refused with 401, except the token endpoint", async () => {
    const anonymous = createClient<paths>({ baseUrl: process.env.PRISM_URL! });
    const { response } = await anonymous.GET("/files/{file_id}", { params: { path: { file_id: "12345" } } });
    expect(response.status).toBe(401);
    expect(violations(response)).toContain("security");
    expect((await token(clientCredentials)).response.status).toBe(200);
  });
});
