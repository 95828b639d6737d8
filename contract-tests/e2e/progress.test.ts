/**
 * Progress that moves and tells the truth: bytes on the wire are reported while a part is still
 * going up (so a slow link does not look hung), acknowledged bytes only once Box has the part, and
 * a resumed run reports what was already stored apart from what it sends.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { UploadProgress } from "../../src";
import { startHarness, type Harness } from "../support/harness";
import { bytesOf } from "../support/random";

const MiB = 1024 * 1024;
let h: Harness | undefined;
let dir: string;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), "progress-"))));
afterEach(async () => {
  await h?.close();
  h = undefined;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test("bytes sent move within a part, before Box acknowledges it", async () => {
  // 4 MiB parts at 8 MB/s per request: each part takes about half a second on the wire.
  h = await startHarness({ partSizeFor: () => 4 * MiB, bytesPerSecond: 8_000_000 });
  const file = h.server.addFile("slow.bin");
  const events: UploadProgress[] = [];
  await h.client.uploadNewVersion(file.id, bytesOf(8 * MiB, 3), { concurrency: 2, onProgress: (p) => events.push({ ...p }) });
  const beforeFirstAck = events.filter((e) => e.bytesUploaded === 0);
  expect(beforeFirstAck.some((e) => e.bytesSent > 0 && e.bytesSent < 8 * MiB)).toBe(true);
  expect(events.at(-1)).toMatchObject({ bytesSent: 8 * MiB, bytesUploaded: 8 * MiB, bytesResumed: 0 });
});

test("a resumed run reports the parts already stored as resumed, not as its own", async () => {
  h = await startHarness({ partSizeFor: () => 256 * 1024 });
  const file = h.server.addFile("resumed.bin");
  const data = bytesOf(8 * 256 * 1024, 9);
  const path = join(dir, "resumed.bin");
  await writeFile(path, data);
  const state = join(dir, "resumed.state.json");
  const controller = new AbortController();
  let seen = 0;
  await h.client
    .uploadNewVersion(file.id, path, {
      concurrency: 1,
      resume: { path: state },
      signal: controller.signal,
      onProgress: (p) => {
        if (p.partsUploaded >= 3 && ++seen === 1) controller.abort(new Error("stop after 3 parts"));
      },
    })
    .catch(() => undefined);
  const events: UploadProgress[] = [];
  await h.client.uploadNewVersion(file.id, path, { resume: { path: state }, onProgress: (p) => events.push({ ...p }) });
  const last = events.at(-1)!;
  // At least the 3 parts stored before the abort count as resumed; the rest is this run's.
  expect(last.bytesResumed).toBeGreaterThanOrEqual(3 * 256 * 1024);
  expect(last.bytesResumed).toBeLessThan(data.length);
  expect(last.bytesUploaded).toBe(data.length);
  for (const e of events) expect(e.bytesResumed).toBeLessThanOrEqual(e.bytesUploaded);
});
