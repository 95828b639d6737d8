/**
 * A direct upload whose answer is lost is not blindly repeated: the client looks first. For a new
 * file, a preflight conflict naming a file with our SHA-1 means it landed; for a new version, a
 * current version with our SHA-1 that was not there before. Either way: one file, one version.
 * And a network failure after retries is its own exit code in the CLI.
 */
import { createServer } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHarness, type Harness } from "../support/harness";
import { DEFAULT_TOKEN, type RequestContext } from "../support/localBox/server";
import { bytesOf } from "../support/random";
import { sha1 } from "../support/sha1";
import { requestsTo } from "../support/serverLog";
import { runCli } from "../support/process/cli";

let h: Harness | undefined;
afterEach(async () => {
  expect(h?.proxy.violations ?? []).toEqual([]);
  await h?.close();
  h = undefined;
});

/** Drops the connection after the server stored the first request of `route` (its answer is lost). */
function dropFirst(route: string) {
  let dropped = false;
  return (c: RequestContext) => (c.route === route && !dropped ? ((dropped = true), "drop" as const) : undefined);
}

const fast = { retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 4 } };

test("new file: the answer is lost after Box stored it; found by its SHA-1, not uploaded again", async () => {
  h = await startHarness({ after: dropFirst("uploadFile") }, { uploadDefaults: {} });
  const data = bytesOf(300_000, 1);
  const file = await h.client.uploadNewFile("0", "landed.bin", data, fast);
  expect(file.sha1).toBe(sha1(data));
  expect(requestsTo(h.server, "uploadFile")).toHaveLength(1);
  expect(h.server.list("0").filter((i) => i.name === "landed.bin")).toHaveLength(1);
});

test("new version: the answer is lost after Box stored it; the file's current version is ours, so it is returned", async () => {
  h = await startHarness({ after: dropFirst("uploadFileVersion") }, { uploadDefaults: {} });
  const existing = h.server.addFile("doc.bin", Buffer.from("v1"));
  const data = bytesOf(300_000, 2);
  const file = await h.client.uploadNewVersion(existing.id, data, fast);
  expect(file.sha1).toBe(sha1(data));
  expect(requestsTo(h.server, "uploadFileVersion")).toHaveLength(1);
  expect(existing.versions.map((v) => v.sha1)).toEqual([sha1(Buffer.from("v1")), sha1(data)]);
});

test("new version: the answer is lost before Box stored it; sent again, once, and one version results", async () => {
  let dropped = false;
  h = await startHarness({ before: (c) => (c.route === "uploadFileVersion" && !dropped ? ((dropped = true), "drop") : undefined) }, { uploadDefaults: {} });
  const existing = h.server.addFile("doc2.bin", Buffer.from("v1"));
  const data = bytesOf(300_000, 3);
  const file = await h.client.uploadNewVersion(existing.id, data, fast);
  expect(file.sha1).toBe(sha1(data));
  expect(requestsTo(h.server, "uploadFileVersion")).toHaveLength(2);
  expect(existing.versions).toHaveLength(2);
});

test("a name already taken fails before any byte is sent, with Box's conflicting item", async () => {
  h = await startHarness({}, { uploadDefaults: {} });
  const existing = h.server.addFile("taken.bin", Buffer.from("x"));
  const err = (await h.client.uploadNewFile("0", "taken.bin", bytesOf(1000, 4)).catch((e: unknown) => e)) as { status?: number; contextInfo?: { conflicts?: unknown } };
  expect(err.status).toBe(409);
  const conflicts = err.contextInfo?.conflicts;
  expect(Array.isArray(conflicts) ? conflicts[0] : conflicts).toMatchObject({ id: existing.id, name: "taken.bin" });
  expect(requestsTo(h.server, "uploadFile")).toHaveLength(0);
});

test("CLI: a network failure after retries exits 7, as JSON under --json", async () => {
  // A port that refuses: bound, then closed.
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port: p } = s.address() as { port: number };
      s.close(() => resolve(p));
    });
  });
  const dir = await mkdtemp(join(tmpdir(), "net-"));
  try {
    const path = join(dir, "f.bin");
    await writeFile(path, bytesOf(1000, 5));
    const run = await runCli(["new", "0", path, "--base-url", `http://127.0.0.1:${port}/api/2.0`, "--json"], { BOX_ACCESS_TOKEN: DEFAULT_TOKEN }).done;
    expect(run.code).toBe(7);
    expect(JSON.parse(run.stderr.trim().split("\n").pop()!).error).toMatchObject({ name: "BoxNetworkError", code: "ECONNREFUSED" });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 60_000);

test("a small stream that stalls ends promptly on abort (direct path), with nothing sent", async () => {
  const { Readable } = await import("node:stream");
  const { UploadAbortedError } = await import("../../src");
  h = await startHarness({}, { uploadDefaults: {} });
  const stalled = new Readable({ read() {} });
  stalled.push(Buffer.alloc(1000, 1)); // 1000 of the 5000 bytes promised, then nothing
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error("user gave up")), 200);
  const started = Date.now();
  const err = await h.client.uploadNewFile("0", "stalled.bin", stalled, { size: 5000, signal: controller.signal }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UploadAbortedError);
  expect(Date.now() - started).toBeLessThan(2000);
  expect(requestsTo(h.server, "uploadFile")).toHaveLength(0);
});
