/**
 * The pipeline's async hashing seam (a browser's worker), run in Node with a stand-in hasher
 * that really detaches each buffer it is handed with `transfer` (structuredClone's transfer, as
 * postMessage does) and hands a new view back: an upload that kept using the old view would send
 * zero bytes and fail its SHA-1 checks. Node's own platform has no such hasher (parts hash in line).
 */
import { createHash } from "node:crypto";
import { SharedClient } from "../../src/client/shared";
import type { PartHasher } from "../../src/core/digest";
import { nodeApiPlatform, nodeUploadPlatform } from "../../src/platform/node";
import { DEFAULT_TOKEN, LocalBoxServer } from "../support/localBox/server";
import { sha1 } from "../support/sha1";

const PART = 256 * 1024;

function movingHasher(log: { transferred: number; copied: number; notDetached: number }): () => PartHasher {
  return () => {
    const whole = createHash("sha1");
    let next = 0;
    const take = async (offset: number, bytes: Uint8Array, transfer: boolean) => {
      if (offset !== next) throw new Error(`out of order: ${offset} after ${next}`);
      const { byteOffset, byteLength } = bytes;
      const moved = transfer ? structuredClone(bytes.buffer, { transfer: [bytes.buffer as ArrayBuffer] }) : bytes.slice().buffer;
      if (transfer) {
        log.transferred++;
        if (bytes.byteLength !== 0) log.notDetached++;
      } else log.copied++;
      await new Promise((r) => setTimeout(r, 1));
      const view = transfer ? new Uint8Array(moved, byteOffset, byteLength) : new Uint8Array(moved);
      whole.update(view);
      next += view.byteLength;
      return { view: transfer ? view : bytes, own: createHash("sha1").update(view).digest("hex") };
    };
    return {
      part: async (offset, bytes, transfer) => {
        const { view, own } = await take(offset, bytes, transfer);
        return { sha1: own, bytes: view };
      },
      feed: async (offset, bytes, transfer) => (await take(offset, bytes, transfer)).view,
      whole: async () => whole.digest("hex"),
      close: () => {},
    };
  };
}

describe("async part hashing seam", () => {
  let server: LocalBoxServer;
  beforeAll(async () => {
    server = new LocalBoxServer({ minFileSize: 1, partSizeFor: () => PART });
    await server.start();
  });
  afterAll(() => server.stop());

  const client = (log: { transferred: number; copied: number; notDetached: number }) =>
    new SharedClient({ token: DEFAULT_TOKEN, baseUrl: server.baseUrl, apiBaseUrl: server.apiBaseUrl }, nodeApiPlatform, { ...nodeUploadPlatform, partHasher: movingHasher(log) });

  const random = (n: number) => Uint8Array.from({ length: n }, () => (Math.random() * 256) | 0);

  test("a Blob's parts are moved to the hasher and back, and the committed SHA-1 is the file's", async () => {
    const bytes = random(5 * PART + 123);
    const log = { transferred: 0, copied: 0, notDetached: 0 };
    const c = client(log);
    const file = await c.uploadNewFile("0", "seam-blob.bin", new Blob([bytes]), { chunkedThreshold: 1, concurrency: 3 });
    await c.close();
    expect(file.sha1).toBe(sha1(bytes));
    expect(file.size).toBe(bytes.byteLength);
    expect(log.transferred).toBe(6);
    expect(log.notDetached).toBe(0);
    expect(log.copied).toBe(0);
  });

  test("a Uint8Array source is copied, never moved: the caller's buffer stays whole", async () => {
    const bytes = random(3 * PART);
    const log = { transferred: 0, copied: 0, notDetached: 0 };
    const c = client(log);
    const file = await c.uploadNewFile("0", "seam-bytes.bin", bytes, { chunkedThreshold: 1 });
    await c.close();
    expect(file.sha1).toBe(sha1(bytes));
    expect(bytes.byteLength).toBe(3 * PART);
    expect(log.copied).toBe(3);
    expect(log.transferred).toBe(0);
  });

  test("a direct upload hashes through the same seam", async () => {
    const bytes = random(2 * 1024 * 1024 + 7);
    const log = { transferred: 0, copied: 0, notDetached: 0 };
    const c = client(log);
    const file = await c.uploadNewFile("0", "seam-direct.bin", new Blob([bytes]));
    await c.close();
    expect(file.sha1).toBe(sha1(bytes));
    expect(log.transferred).toBe(3);
  });
});
