/**
 * Full uploads against the local Box server, every exchange checked against the fragment by the
 * validating proxy: new versions and new files, every source kind, sizes around part boundaries.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { BoxApiError, BoxUploadClient, UploadAbortedError, type UploadProgress, type UploadSource } from "../../src";
import { contentRange, planParts } from "../../src/core/partPlan";
import { PART, startHarness, type Harness } from "../support/harness";
import { DEFAULT_TOKEN } from "../support/localBox/server";
import { bytesOf } from "../support/random";
import { sha1 } from "../support/sha1";
import { rejectionOf } from "../support/checks/rejection";
import { openSessionCount, rangesSent, requestsTo, statusesOf, versionSessionOf } from "../support/serverLog";
let dir: string;
let h: Harness;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "e2e-"));
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  expect(h.proxy.violations).toEqual([]);
});

const sizes: [string, number][] = [
  ["one part", 1000],
  ["exact multiple of part_size", 3 * PART],
  ["one byte over", 3 * PART + 1],
  ["several parts", 7 * PART + 12345],
];

type Kind = "path" | "Buffer" | "Uint8Array" | "Blob" | "Readable" | "ReadableStream";
const kinds: Kind[] = ["path", "Buffer", "Uint8Array", "Blob", "Readable", "ReadableStream"];

/** Streams are fed in odd-sized chunks so part boundaries never line up with chunk boundaries. */
function chunks(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0, step = 1; o < data.length; o += step, step = (step * 7 + 13) % 100_003 || 1) out.push(data.subarray(o, o + step));
  return out;
}

async function sourceOf(kind: Kind, data: Buffer): Promise<UploadSource> {
  switch (kind) {
    case "path": {
      const path = join(dir, `src-${data.length}-${Math.random().toString(36).slice(2)}.bin`);
      await writeFile(path, data);
      return path;
    }
    case "Buffer":
      return data;
    case "Uint8Array":
      return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    case "Blob":
      return new Blob([new Uint8Array(data)]);
    case "Readable":
      return Readable.from(chunks(data));
    case "ReadableStream": {
      const list = chunks(data);
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          const next = list.shift();
          if (next) controller.enqueue(new Uint8Array(next));
          else controller.close();
        },
      });
    }
  }
}

/**
 * Both counts only go up, each event moves at least one of them, bytes sent (in flight included)
 * are never fewer than bytes acknowledged, and neither passes the size.
 */
function checkProgress(events: UploadProgress[], size: number): void {
  expect(events.length).toBeGreaterThan(0);
  for (let i = 1; i < events.length; i++) {
    const [before, now] = [events[i - 1]!, events[i]!];
    expect(now.bytesUploaded).toBeGreaterThanOrEqual(before.bytesUploaded);
    expect(now.bytesSent).toBeGreaterThanOrEqual(before.bytesSent);
    expect(now.bytesUploaded + now.bytesSent).toBeGreaterThan(before.bytesUploaded + before.bytesSent);
    expect(now.partsUploaded).toBeGreaterThanOrEqual(before.partsUploaded);
  }
  for (const e of events) {
    expect(e.bytesUploaded).toBeLessThanOrEqual(e.bytesSent);
    expect(e.bytesSent).toBeLessThanOrEqual(size);
  }
  const last = events[events.length - 1]!;
  expect(last).toEqual(expect.objectContaining({ bytesUploaded: size, totalBytes: size, partsUploaded: last.totalParts }));
}

describe("new versions from every source kind and size", () => {
  for (const kind of kinds) {
    for (const [label, size] of sizes) {
      test(`${kind}, ${label} (${size} bytes)`, async () => {
        const data = bytesOf(size);
        const file = h.server.addFile(`${kind}-${size}.bin`, Buffer.from("v1"));
        const events: UploadProgress[] = [];
        const exchangesBefore = h.proxy.exchanges;
        const committed = await h.client.uploadNewVersion(file.id, await sourceOf(kind, data), {
          concurrency: 3,
          onProgress: (p) => events.push(p),
          ...(kind.startsWith("Read") ? { size } : {}),
        });
        expect(committed.id).toBe(file.id);
        expect(committed.size).toBe(size);
        expect(committed.sha1).toBe(sha1(data));
        expect(file.versions).toHaveLength(2);
        expect(file.versions[1]!.sha1).toBe(sha1(data));
        checkProgress(events, size);
        const expected = planParts(size, PART).map((p) => contentRange(p, size));
        expect(rangesSent(h.server, events[0]!.sessionId).sort()).toEqual([...expected].sort());
        // Every exchange (create, each part, the file's version read before the commit, the commit)
        // went through the proxy and was validated.
        expect(h.proxy.exchanges - exchangesBefore).toBe(expected.length + 3);
      });
    }
  }
});

describe("new files", () => {
  for (const kind of kinds) {
    test(`${kind}: creates the file in the folder with the committed bytes`, async () => {
      const size = 5 * PART + 77;
      const data = bytesOf(size, 7);
      const name = `new-${kind}.bin`;
      const file = await h.client.uploadNewFile("0", name, await sourceOf(kind, data), kind.startsWith("Read") ? { size } : {});
      expect(file.name).toBe(name);
      expect(file.sha1).toBe(sha1(data));
      expect(h.server.files.get(file.id!)!.versions).toHaveLength(1);
    });
  }

  test("a name already in the folder is a 409 BoxApiError, and no session is left open", async () => {
    h.server.addFile("taken.bin");
    const before = openSessionCount(h.server);
    await expect(h.client.uploadNewFile("0", "taken.bin", bytesOf(1000))).rejects.toMatchObject({ name: "BoxApiError", status: 409, code: "item_name_in_use" });
    expect(openSessionCount(h.server)).toBe(before);
  });
});

describe("behaviour of the uploader", () => {
  test("renames on commit, passes If-Match, and a stale etag fails with 412 without a new version", async () => {
    const file = h.server.addFile("old-name.bin", Buffer.from("v1"));
    const data = bytesOf(2 * PART);
    const committed = await h.client.uploadNewVersion(file.id, data, { fileName: "new-name.bin", ifMatch: "0" });
    expect(committed.name).toBe("new-name.bin");
    expect(committed.etag).toBe("1");
    const err = await rejectionOf(h.client.uploadNewVersion(file.id, data, { ifMatch: "0" }), BoxApiError);
    expect(err.status).toBe(412);
    expect(file.versions).toHaveLength(2);
  });

  test("never more than `concurrency` parts in flight", async () => {
    let now = 0;
    let peak = 0;
    const local = await startHarness({
      before: async (ctx) => {
        if (ctx.route !== "uploadPart") return undefined;
        peak = Math.max(peak, ++now);
        await new Promise((r) => setTimeout(r, 20));
        return undefined;
      },
      after: (ctx) => {
        if (ctx.route === "uploadPart") now--;
        return undefined;
      },
    });
    try {
      const file = local.server.addFile("c.bin");
      await local.client.uploadNewVersion(file.id, bytesOf(12 * PART), { concurrency: 4 });
      // Each part is held 20 ms, so 12 parts keep the pool full; the cap is what must never be passed.
      expect(peak).toBeLessThanOrEqual(4);
      expect(peak).toBeGreaterThan(1);
    } finally {
      await local.close();
    }
  });

  test("commit answered 202 twice: the client waits Retry-After and returns the committed file", async () => {
    const local = await startHarness({ processingCommits: 2, retryAfterSeconds: 1 });
    try {
      const file = local.server.addFile("slow.bin");
      const data = bytesOf(3 * PART);
      const started = Date.now();
      const committed = await local.client.uploadNewVersion(file.id, data);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
      expect(committed.sha1).toBe(sha1(data));
      expect(statusesOf(local.server, "commit")).toEqual([202, 202, 201]);
      expect(local.proxy.violations).toEqual([]);
    } finally {
      await local.close();
    }
  });

  test("abort signal: stops within a part, aborts the session, rejects with UploadAbortedError", async () => {
    const controller = new AbortController();
    const file = h.server.addFile("abort.bin");
    const mark = h.server.log.length;
    const err = await rejectionOf(
      h.client.uploadNewVersion(file.id, bytesOf(40 * PART), {
        concurrency: 2,
        signal: controller.signal,
        onProgress: (p) => p.partsUploaded === 3 && controller.abort(new Error("user cancelled")),
      }),
      UploadAbortedError,
    );
    expect(err.name).toBe("AbortError");
    expect(requestsTo(h.server, "uploadPart", mark).length).toBeLessThanOrEqual(3 + 2);
    expect(versionSessionOf(h.server, file.id).state).toBe("aborted");
    expect(file.versions).toHaveLength(1);
  });

  test("session_endpoints on an untrusted origin are not followed; a trusted one is", async () => {
    // The server announces its own origin; the client talks to the proxy, a different origin.
    const file = h.server.addFile("endpoints.bin");
    const before = h.proxy.exchanges;
    await h.client.uploadNewVersion(file.id, bytesOf(3 * PART));
    expect(h.proxy.exchanges - before).toBe(1 + 3 + 1 + 1); // create, 3 parts, file read, commit: all via the proxy
    const trusting = new BoxUploadClient({
      token: DEFAULT_TOKEN,
      baseUrl: `http://127.0.0.1:${new URL(h.client.baseUrl).port}/api/2.0`,
      trustedOrigins: [new URL(h.server.baseUrl).origin],
      uploadDefaults: { chunkedThreshold: 1 },
    });
    try {
      const mark = h.proxy.exchanges;
      await trusting.uploadNewVersion(file.id, bytesOf(3 * PART, 2));
      expect(h.proxy.exchanges - mark).toBe(2); // the session creation and the file read (API host); parts and commit went direct
    } finally {
      await trusting.close();
    }
  });
});

describe("the plain operations", () => {
  test("list parts follows pagination past 1000 parts, sorted by offset", async () => {
    const local = await startHarness({ partSizeFor: () => 1024 });
    try {
      const size = 2100 * 1024 + 7;
      const data = bytesOf(size, 3);
      const file = local.server.addFile("many.bin");
      const session = await local.client.api.createUploadSessionForExistingFile(file.id, { fileSize: size });
      expect(session.total_parts).toBe(2101);
      const parts = planParts(size, 1024, session.total_parts);
      // Upload in reverse order, eight at a time, so the listing has to sort.
      for (let i = parts.length - 1; i >= 0; i -= 8) {
        await Promise.all(
          parts.slice(Math.max(0, i - 7), i + 1).map((p) => {
            const bytes = data.subarray(p.offset, p.offset + p.size);
            return local.client.api.uploadPart(session.id!, bytes, { offset: p.offset, fileSize: size, sha1: sha1(bytes) });
          }),
        );
      }
      const listed = await local.client.api.listAllUploadedParts(session.id!);
      expect(listed.map((p) => p.offset)).toEqual(parts.map((p) => p.offset));
      expect(requestsTo(local.server, "listParts")).toHaveLength(3);
      const result = await local.client.api.commitUploadSession(session.id!, { parts: listed, sha1: sha1(data) });
      expect(result.status === "committed" && result.file.sha1).toBe(sha1(data));
      expect(local.proxy.violations).toEqual([]);
    } finally {
      await local.close();
    }
  });
});

describe("the validating proxy is not blind", () => {
  test("a request outside the fragment is reported", async () => {
    const local = await startHarness();
    try {
      const { response } = await local.client.api.openapi.PUT("/files/upload_sessions/{upload_session_id}", {
        params: { path: { upload_session_id: "ABC" }, header: { "content-range": "bytes 0-2/3" } as never },
        body: "abc",
        headers: { "content-type": "application/octet-stream" },
        bodySerializer: (b: unknown) => b as string,
      });
      expect(response.status).toBe(404);
      expect(local.proxy.violations).toEqual([expect.objectContaining({ side: "request", message: expect.stringMatching(/digest/) })]);
    } finally {
      await local.close();
    }
  });

  test("a response outside the fragment is reported", async () => {
    const local = await startHarness({
      after: (ctx) => (ctx.route === "uploadPart" ? { status: 200, body: { part: { part_id: 42, offset: "zero" } } } : undefined),
    });
    try {
      const file = local.server.addFile("bad.bin");
      await expect(local.client.uploadNewVersion(file.id, bytesOf(1000), { retry: { maxAttempts: 1 } })).rejects.toThrow();
      expect(local.proxy.violations.map((v) => v.message).join("\n")).toMatch(/part_id/);
    } finally {
      await local.close();
    }
  });
});
