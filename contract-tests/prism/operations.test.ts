/**
 * Every operation and every documented status code of the fragment, answered by Prism (mock mode,
 * built from the same fragment). Prism's `Prefer: code=N` picks the response; the client must give
 * the typed result for 2xx and a BoxApiError with Box's fields for the rest.
 */
import { BoxApiError, BoxUploadClient } from "../../src";
import { rejectionOf } from "../support/checks/rejection";

const TOKEN = "prism-test-token-7f3a";
const SESSION = "F971964745A5CD0C001BBE4E58196BFD";
const SHA1 = "134b65991ed521fcfe4724b7d814ab8ded5185dc";

function clientAnswering(code?: number): BoxUploadClient {
  return new BoxUploadClient({
    token: TOKEN,
    baseUrl: process.env.PRISM_URL!,
    fetch: (request) => {
      if (code !== undefined) request.headers.set("prefer", `code=${code}`);
      return fetch(request);
    },
  });
}

async function apiError(promise: Promise<unknown>): Promise<BoxApiError> {
  const e = await rejectionOf(promise, BoxApiError);
  // The token must never travel inside an error.
  expect(JSON.stringify({ ...e, message: e.message, stack: e.stack })).not.toContain(TOKEN);
  return e;
}

const part = { part_id: "6F2D3486", offset: 0, size: 8388608, sha1: SHA1 };

const operations: Record<string, { errors: number[]; call: (c: BoxUploadClient) => Promise<unknown> }> = {
  createUploadSessionForExistingFile: {
    errors: [409, 500],
    call: (c) => c.api.createUploadSessionForExistingFile("12345", { fileSize: 104857600, fileName: "Project.mov" }),
  },
  createUploadSession: {
    errors: [400, 403, 404, 409, 500],
    call: (c) => c.api.createUploadSession("0", { fileSize: 104857600, fileName: "Project.mov" }),
  },
  getUploadSession: { errors: [500], call: (c) => c.api.getUploadSession(SESSION) },
  uploadPart: {
    errors: [409, 412, 416, 500],
    call: (c) => c.api.uploadPart(SESSION, new Uint8Array(1024).fill(7), { offset: 0, fileSize: 104857600, sha1: SHA1 }),
  },
  listUploadedParts: { errors: [500], call: (c) => c.api.listUploadedParts(SESSION, { offset: 0, limit: 100 }) },
  commitUploadSession: {
    errors: [409, 412, 500],
    call: (c) => c.api.commitUploadSession(SESSION, { parts: [part], sha1: SHA1, ifMatch: "1" }),
  },
  abortUploadSession: { errors: [500], call: (c) => c.api.abortUploadSession(SESSION) },
};

describe("success answers are typed results", () => {
  test("createUploadSessionForExistingFile -> 201 UploadSession", async () => {
    const s = await clientAnswering(201).api.createUploadSessionForExistingFile("12345", { fileSize: 104857600 });
    expect(s.type).toBe("upload_session");
    expect(typeof s.id).toBe("string");
    expect(s.part_size).toBeGreaterThan(0);
    expect(s.total_parts).toBe(Math.ceil(104857600 / s.part_size!));
    expect(s.session_endpoints?.upload_part).toContain(`/files/upload_sessions/${s.id}`);
  });

  test("createUploadSession (new file) -> 201 UploadSession", async () => {
    const s = await clientAnswering(201).api.createUploadSession("0", { fileSize: 104857600, fileName: "Project.mov" });
    expect(s.type).toBe("upload_session");
    expect(s.session_endpoints?.commit).toMatch(/\/commit$/);
  });

  test("getUploadSession -> 200 UploadSession", async () => {
    const s = await clientAnswering(200).api.getUploadSession(SESSION);
    expect(s.type).toBe("upload_session");
    expect(typeof s.num_parts_processed).toBe("number");
  });

  test("uploadPart -> 200 UploadedPart, unwrapped to its part", async () => {
    const p = await clientAnswering(200).api.uploadPart(SESSION, new Uint8Array(1024), { offset: 0, fileSize: 104857600, sha1: SHA1 });
    expect(p).toEqual(expect.objectContaining({ part_id: expect.any(String), offset: expect.any(Number), size: expect.any(Number), sha1: expect.stringMatching(/^[0-9a-f]{40}$/) }));
  });

  test("listUploadedParts -> 200 UploadParts", async () => {
    const page = await clientAnswering(200).api.listUploadedParts(SESSION, { limit: 100 });
    expect(Array.isArray(page.entries)).toBe(true);
    expect(page.entries![0]).toEqual(expect.objectContaining({ part_id: expect.any(String), offset: expect.any(Number) }));
  });

  test("commitUploadSession -> 201 committed with the file", async () => {
    const r = await clientAnswering(201).api.commitUploadSession(SESSION, { parts: [part], sha1: SHA1 });
    expect(r.status).toBe("committed");
    if (r.status !== "committed") return;
    expect(r.file.type).toBe("file");
    expect(r.file.sha1).toMatch(/^[0-9a-f]{40}$/);
    expect(r.files.entries).toHaveLength(r.files.total_count!);
  });

  test("commitUploadSession -> 202 is 'processing' with Retry-After, not an empty result", async () => {
    const r = await clientAnswering(202).api.commitUploadSession(SESSION, { parts: [part], sha1: SHA1 });
    expect(r).toEqual({ status: "processing", retryAfterMs: 5000 });
  });

  test("abortUploadSession -> 204, resolves with nothing", async () => {
    await expect(clientAnswering(204).api.abortUploadSession(SESSION)).resolves.toBeUndefined();
  });
});

describe("documented error answers become BoxApiError", () => {
  for (const [name, op] of Object.entries(operations)) {
    for (const code of op.errors) {
      test(`${name} -> ${code === 500 ? "default (500)" : code}`, async () => {
        const e = await apiError(op.call(clientAnswering(code)));
        expect(e.status).toBe(code);
        expect(e.code).toEqual(expect.any(String));
        expect(e.requestId).toEqual(expect.any(String));
        expect(e.message).toContain(String(code));
        expect(e.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\//);
      });
    }
  }
});

describe("the built-in transport (no custom fetch)", () => {
  test("creates a session, uploads a part and commits against Prism", async () => {
    const client = new BoxUploadClient({ token: TOKEN, baseUrl: process.env.PRISM_URL! });
    try {
      const s = await client.api.createUploadSessionForExistingFile("12345", { fileSize: 104857600 });
      const p = await client.api.uploadPart(s.id!, new Uint8Array(4096).fill(1), { offset: 0, fileSize: 104857600, sha1: SHA1 });
      expect(p.part_id).toEqual(expect.any(String));
      const r = await client.api.commitUploadSession(s.id!, { parts: [p], sha1: SHA1 });
      expect(r.status).toBe("committed");
      await expect(client.api.abortUploadSession(s.id!)).resolves.toBeUndefined();
    } finally {
      await client.close();
    }
  });
});

describe("Prism validates requests against the fragment", () => {
  test("a request that breaks the spec is rejected with 422", async () => {
    // Bypass our own checks through the raw openapi-fetch client: file_size is required.
    const { response } = await clientAnswering().api.openapi.POST("/files/{file_id}/upload_sessions", {
      params: { path: { file_id: "12345" } },
      body: { file_name: "x.bin" } as never,
    });
    expect(response.status).toBe(422);
  });

  test("a part upload without its Digest header is rejected with 422", async () => {
    const { response } = await clientAnswering().api.openapi.PUT("/files/upload_sessions/{upload_session_id}", {
      params: { path: { upload_session_id: SESSION }, header: { "content-range": "bytes 0-1023/104857600" } as never },
      body: "x".repeat(1024),
      headers: { "content-type": "application/octet-stream" },
      bodySerializer: (b: unknown) => b as string,
    });
    expect(response.status).toBe(422);
  });

  test("the same calls made correctly are accepted (so the 422s above are about the broken parts)", async () => {
    const { response } = await clientAnswering().api.openapi.POST("/files/{file_id}/upload_sessions", {
      params: { path: { file_id: "12345" } },
      body: { file_size: 104857600, file_name: "x.bin" },
    });
    expect(response.status).toBe(201);
  });

  test("a request without a bearer token is refused with 401", async () => {
    const res = await fetch(`${process.env.PRISM_URL}/files/upload_sessions/${SESSION}`);
    expect(res.status).toBe(401);
  });
});
