/**
 * Box's rate limits against a sync: the local server keeps them per user over a sliding window
 * (scaled down from a minute so a test takes seconds), and the client paces every request to its
 * own limits. A sync of a couple of hundred small files must end with no file failed and few 429s,
 * whether the server allows what the client was told or only half of it (then learned from the
 * 429s); and a bandwidth cap is the run's, not each transfer's.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHarness, type Harness } from "../support/harness";
import type { ServerRateLimits } from "../support/localBox/server";
import { bytesOf } from "../support/random";
import { writeTree } from "../support/tree";

jest.setTimeout(90_000);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rate-limits-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function tree(name: string, files: number, size: (i: number) => number): Promise<string> {
  const root = join(dir, name);
  const spec: Record<string, Uint8Array> = {};
  for (let i = 0; i < files; i++) spec[`d${i % 4}/f${i}.bin`] = bytesOf(size(i), i + 1);
  await writeTree(root, spec);
  return root;
}

async function syncAgainst(server: ServerRateLimits, client: { uploadsPerMinute: number; callsPerMinute: number }, files: number) {
  const h: Harness = await startHarness({ rateLimits: server }, { rateLimits: client, uploadDefaults: {} });
  try {
    const root = await tree(`t${Math.random().toString(36).slice(2)}`, files, (i) => 1_000 + (i % 9) * 1_000);
    const dest = h.server.addFolder("dest");
    const started = Date.now();
    const summary = await h.client.syncFolder(root, dest.id, { retry: { maxAttempts: 2 } });
    return { summary, seconds: (Date.now() - started) / 1000, stats: h.server.limitStats!, inBox: h.server.filesByPath(dest.id).size, violations: h.proxy.violations };
  } finally {
    await h.close();
  }
}

test("at the limits it was told: every file in, time near what the limit allows, almost no 429", async () => {
  const limits = { uploadsPerMinute: 1200, callsPerMinute: 6000 };
  const r = await syncAgainst({ ...limits, windowMs: 5000 }, limits, 200);
  expect(r.summary).toMatchObject({ uploaded: 200, failed: 0 });
  expect(r.inBox).toBe(200);
  expect(r.violations).toEqual([]);
  // 200 uploads at 1,200 a minute take 10 s at least (paced, not a burst) ...
  const ideal = 200 / (1200 / 60);
  expect(r.seconds).toBeGreaterThanOrEqual(ideal * 0.95);
  // ... and not much more.
  expect(r.seconds).toBeLessThanOrEqual(ideal * 1.3 + 5);
  expect(r.stats.refused.upload + r.stats.refused.call).toBeLessThanOrEqual(2);
});

test("a server stricter than the client was told (half): learned from a few 429s, no file failed", async () => {
  const r = await syncAgainst({ uploadsPerMinute: 600, callsPerMinute: 6000, windowMs: 5000 }, { uploadsPerMinute: 1200, callsPerMinute: 6000 }, 150);
  expect(r.summary).toMatchObject({ uploaded: 150, failed: 0 });
  expect(r.inBox).toBe(150);
  // Fewer than one upload in ten met a 429, though every file was retried only through 429s.
  expect(r.stats.refused.upload).toBeGreaterThan(0);
  expect(r.stats.refused.upload).toBeLessThan(150 / 10);
  expect(r.seconds).toBeLessThanOrEqual((150 / 10) * 1.3 + 5);
});

describe("a bandwidth cap", () => {
  const MiB = 1024 * 1024;
  const CAP = 2 * MiB;
  const within = (seconds: number, ideal: number) => {
    expect(seconds).toBeGreaterThanOrEqual(ideal * 0.8);
    expect(seconds).toBeLessThanOrEqual(ideal * 1.25 + 1);
  };

  test("one chunked file, its parts in parallel, goes no faster than the cap", async () => {
    const h = await startHarness({}, { bandwidthLimit: CAP, rateLimits: "off" });
    try {
      const file = h.server.addFile("capped.bin");
      const bytes = bytesOf(6 * MiB, 7);
      const started = Date.now();
      const done = await h.client.uploadNewVersion(file.id, bytes, { concurrency: 8 });
      within((Date.now() - started) / 1000, 3);
      expect(done.size).toBe(6 * MiB);
    } finally {
      await h.close();
    }
  });

  test("a sync of four files in flight shares one cap: the run's, not each transfer's", async () => {
    const h = await startHarness({}, { bandwidthLimit: CAP, rateLimits: "off", uploadDefaults: {} });
    try {
      const root = await tree("capped-sync", 4, () => 1.5 * MiB);
      const dest = h.server.addFolder("capped");
      let sentMax = 0;
      const started = Date.now();
      const summary = await h.client.syncFolder(root, dest.id, { transfers: 4, onProgress: (p) => (sentMax = Math.max(sentMax, p.bytesSent)) });
      expect(summary).toMatchObject({ uploaded: 4, failed: 0 });
      // Four transfers at 2 MiB/s each would take 0.75 s; sharing the cap, 3 s.
      within((Date.now() - started) / 1000, 3);
      // Progress is the files' bytes, never more.
      expect(sentMax).toBe(6 * MiB);
    } finally {
      await h.close();
    }
  });
});
