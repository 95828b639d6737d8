/**
 * Under a bandwidth cap, what is in flight follows what the cap can fill, so an interruption loses
 * about one part's worth of sending, not every part in flight: eight parts sharing a cap all crawl
 * and none is done when the run stops. A resumed run says what Box held from its first event.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { UploadProgress } from "../../src";
import { startHarness, type Harness } from "../support/harness";
import { bytesOf } from "../support/random";
import { writeTree } from "../support/tree";

jest.setTimeout(60_000);
const MiB = 1024 * 1024;
const CAP = 4 * MiB;
const PART = 2 * MiB;
/** What may be lost: the part being sent when the run stopped, and the half second of the cap the next had started. */
const LOSS_BOUND = PART + CAP / 2;

let h: Harness | undefined;
let dir: string;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), "cap-resume-"))));
afterEach(async () => {
  await h?.close();
  h = undefined;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test("a new version under a 4 MiB/s cap, interrupted half way: the rerun sends what is missing and little more", async () => {
  h = await startHarness({ partSizeFor: () => PART }, { bandwidthLimit: CAP });
  const file = h.server.addFile("capped.bin");
  const data = bytesOf(12 * PART, 31);
  const path = join(dir, "capped.bin");
  await writeFile(path, data);
  const state = join(dir, "capped.state.json");
  const controller = new AbortController();
  let first: UploadProgress | undefined;
  const stop = setTimeout(() => controller.abort(new Error("interrupted")), 3_000);
  await h.client
    .uploadNewVersion(file.id, path, { resume: { path: state }, signal: controller.signal, onProgress: (p) => (first = { ...p }) })
    .then(() => expect("the first run to be interrupted").toBe("it ran to the end"))
    .catch(() => undefined)
    .finally(() => clearTimeout(stop));
  expect(first!.bytesSent).toBeGreaterThan(4 * MiB);
  const events: UploadProgress[] = [];
  const done = await h.client.uploadNewVersion(file.id, path, { resume: { path: state }, onProgress: (p) => events.push({ ...p }) });
  expect(done.size).toBe(data.length);
  const second = events.at(-1)!;
  // Everything the first run sent but what was in flight when it stopped is kept.
  expect(second.bytesResumed).toBeGreaterThanOrEqual(first!.bytesSent - LOSS_BOUND);
  expect(first!.bytesSent + second.bytesSent).toBeLessThanOrEqual(data.length + LOSS_BOUND);
  // The resumed run counts what Box held from its first event: never a bar that starts at 0.
  expect(events[0]!.bytesUploaded).toBe(second.bytesResumed);
  expect(events[0]!.partsUploaded).toBe(second.resumedParts);
  expect(events[0]!.resumedParts).toBeGreaterThan(0);
});

test("a sync of files under a cap, interrupted: the rerun sends what was missing and little more", async () => {
  h = await startHarness({ partSizeFor: () => PART }, { bandwidthLimit: CAP, uploadDefaults: { chunkedThreshold: 4 * MiB } });
  const root = join(dir, "tree");
  const spec: Record<string, Uint8Array> = {};
  // Files sent in one request (2 MiB, below the threshold) and chunked ones (6 MiB).
  for (let i = 0; i < 4; i++) spec[`small/s${i}.bin`] = bytesOf(2 * MiB, 40 + i);
  for (let i = 0; i < 2; i++) spec[`big/b${i}.bin`] = bytesOf(3 * PART, 50 + i);
  await writeTree(root, spec);
  const total = Object.values(spec).reduce((n, b) => n + b.byteLength, 0);
  const dest = h.server.addFolder("dest");
  const stateDir = join(dir, "state");
  const controller = new AbortController();
  let sentBefore = 0;
  const stop = setTimeout(() => controller.abort(new Error("interrupted")), 3_000);
  await h.client
    .syncFolder(root, dest.id, { stateDir, signal: controller.signal, onProgress: (p) => (sentBefore = p.bytesSent) })
    .catch(() => undefined)
    .finally(() => clearTimeout(stop));
  expect(sentBefore).toBeGreaterThan(4 * MiB);
  const summary = await h.client.syncFolder(root, dest.id, { stateDir });
  expect(summary.failed).toBe(0);
  expect(sentBefore + summary.bytesSent).toBeLessThanOrEqual(total + LOSS_BOUND);
  expect(h.server.filesByPath(dest.id).size).toBe(6);
});
