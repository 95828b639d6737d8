/**
 * The client's Prometheus metrics (the `metrics` option, a prom-client registry), read after real
 * runs against the local Box server: a sync against a server stricter than the client was told
 * counts exactly the 429s the server sent, the files and the bytes; a planned version counts what
 * Box held; a dry run counts nothing; the text holds no path, name or token.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { BoxInputError, BoxUploadClient } from "../../src";
import { startHarness } from "../support/harness";
import { defaultPartSize, DEFAULT_TOKEN } from "../support/localBox/server";
import { bytesOf } from "../support/random";
import { writeTree } from "../support/tree";
import { sampleSum } from "../support/metricsText";

jest.setTimeout(90_000);
const MiB = 1024 * 1024;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "metrics-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** One series' value as Prometheus would read it from the registry's text. */
async function value(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  return sampleSum(await registry.metrics(), name, labels);
}

test("a sync with the client's default retry policy counts each retry once", async () => {
  const registry = new Registry();
  let refusals = 0;
  const h = await startHarness(
    {
      // The first two file uploads answer 503 once each: two retries, nothing else.
      before: (ctx) => (ctx.route === "uploadFile" && ctx.nth < 2 ? (refusals++, { status: 503, headers: { "retry-after": "0" } }) : undefined),
    },
    { rateLimits: "off", uploadDefaults: {}, metrics: registry },
  );
  try {
    const root = join(dir, "default-retry");
    await writeTree(root, { "a.bin": bytesOf(500, 1), "b.bin": bytesOf(600, 2), "c.bin": bytesOf(700, 3) });
    const dest = h.server.addFolder("default-retry");
    const summary = await h.client.syncFolder(root, dest.id, { transfers: 1 });
    expect(summary).toMatchObject({ uploaded: 3, failed: 0 });
    expect(refusals).toBe(2);
    expect(await value(registry, "box_upload_retries_total")).toBe(2);
  } finally {
    await h.close();
  }
});

test("a sync against a server stricter than told: its 429s, files, bytes and requests counted exactly; nothing in flight at the end; no path, name or token in the text", async () => {
  const registry = new Registry();
  const h = await startHarness({ rateLimits: { uploadsPerMinute: 300, callsPerMinute: 6000, windowMs: 5000 } }, { rateLimits: { uploadsPerMinute: 900, callsPerMinute: 6000 }, uploadDefaults: {}, metrics: registry });
  try {
    const root = join(dir, "limited");
    const spec: Record<string, Uint8Array> = {};
    let bytes = 0;
    for (let i = 0; i < 80; i++) {
      spec[`private-folder-${i % 3}/confidential-name-${i}.bin`] = bytesOf(1000 + i * 37, i + 1);
      bytes += 1000 + i * 37;
    }
    await writeTree(root, spec);
    const dest = h.server.addFolder("dest");
    const summary = await h.client.syncFolder(root, dest.id, { retry: { maxAttempts: 2 } });
    expect(summary).toMatchObject({ uploaded: 80, failed: 0 });
    const stats = h.server.limitStats!;
    // The server refused some uploads: the metric says exactly how many, by kind.
    expect(stats.refused.upload).toBeGreaterThan(0);
    expect(await value(registry, "box_upload_rate_limited_total", { kind: "upload" })).toBe(stats.refused.upload);
    expect(await value(registry, "box_upload_rate_limited_total", { kind: "call" })).toBe(stats.refused.call);
    expect(await value(registry, "box_upload_requests_total", { kind: "upload", status: "429" })).toBe(stats.refused.upload);
    // Every answered upload request is counted once (80 files went in as 201s).
    expect(await value(registry, "box_upload_requests_total", { kind: "upload", status: "201" })).toBe(80);
    // Each refused request was asked again once (maxAttempts 2, nothing failed): each retry counted once.
    expect(await value(registry, "box_upload_retries_total")).toBe(stats.refused.upload + stats.refused.call);
    expect(await value(registry, "box_upload_files_total", { result: "uploaded" })).toBe(80);
    expect(await value(registry, "box_upload_files_total", { result: "failed" })).toBe(0);
    expect(await value(registry, "box_upload_file_bytes_sent_total")).toBe(bytes);
    expect(await value(registry, "box_upload_file_bytes_sent_total")).toBe(summary.bytesSent);
    expect(await value(registry, "box_upload_files_in_flight")).toBe(0);
    expect(await value(registry, "box_upload_parts_in_flight")).toBe(0);
    // Every request waited its turn once, and was observed once.
    expect(await value(registry, "box_upload_pacer_wait_seconds_count")).toBe(await value(registry, "box_upload_requests_total"));
    const text = await registry.metrics();
    expect(text).not.toMatch(/private-folder|confidential-name|\.bin/);
    expect(text).not.toContain(DEFAULT_TOKEN);
    expect(text).not.toContain(dir);
  } finally {
    await h.close();
  }
});

test("a planned version counts what Box held, the parts sent, and a version; a dry run counts nothing", async () => {
  const registry = new Registry();
  const h = await startHarness({ partSizeFor: defaultPartSize, uploadPlan: { hits: "commit" } }, { uploadDefaults: { chunkedThreshold: 20_000_000 }, metrics: registry });
  try {
    const SIZE = 40 * MiB;
    const before = bytesOf(SIZE, 1);
    const after = Buffer.from(before);
    bytesOf(MiB, 2).copy(after, 2 * 8 * MiB + 100);
    const root = join(dir, "planned");
    await writeTree(root, { "disk.img": after, "new.txt": bytesOf(500, 3) });
    const dest = h.server.addFolder("dest");
    h.server.addFile("disk.img", before, dest.id);

    const dry = await h.client.syncFolder(root, dest.id, { dryRun: true });
    expect(dry).toMatchObject({ uploaded: 1, versioned: 1 });
    expect(await value(registry, "box_upload_files_total", { result: "uploaded" })).toBe(0);
    expect(await value(registry, "box_upload_files_total", { result: "versioned" })).toBe(0);

    const summary = await h.client.syncFolder(root, dest.id, {});
    expect(summary).toMatchObject({ uploaded: 1, versioned: 1, failed: 0 });
    expect(summary.bytesPlanned).toBeGreaterThan(0);
    expect(await value(registry, "box_upload_files_total", { result: "versioned" })).toBe(1);
    expect(await value(registry, "box_upload_files_total", { result: "uploaded" })).toBe(1);
    expect(await value(registry, "box_upload_bytes_planned_total")).toBe(summary.bytesPlanned);
    expect(await value(registry, "box_upload_file_bytes_sent_total")).toBe(summary.bytesSent);
    // What was sent and what Box held make the version's bytes, and the new file's.
    expect(summary.bytesSent + summary.bytesPlanned).toBe(SIZE + 500);
    const parts = h.server.log.filter((r) => r.route === "uploadPart" && r.status === 200).length;
    expect(await value(registry, "box_upload_requests_total", { kind: "call", status: "200" })).toBeGreaterThanOrEqual(parts);
    expect(await value(registry, "box_upload_parts_in_flight")).toBe(0);

    // A rerun skips both: counted as skipped, nothing more sent.
    const sent = await value(registry, "box_upload_file_bytes_sent_total");
    expect(await h.client.syncFolder(root, dest.id, {})).toMatchObject({ skipped: 2 });
    expect(await value(registry, "box_upload_files_total", { result: "skipped" })).toBe(2);
    expect(await value(registry, "box_upload_file_bytes_sent_total")).toBe(sent);
  } finally {
    await h.close();
  }
});

test("one registry for two clients adds up; one-call uploads are counted as files; anything but a registry is refused before a request", async () => {
  const registry = new Registry();
  const h = await startHarness({}, { metrics: registry, uploadDefaults: {} });
  const second = new BoxUploadClient({ token: DEFAULT_TOKEN, baseUrl: h.client.baseUrl, apiBaseUrl: h.client.apiBaseUrl, rateLimits: "off", metrics: registry });
  try {
    const folder = h.server.addFolder("two");
    await h.client.uploadNewFile(folder.id, "a.txt", bytesOf(100, 1));
    await second.uploadNewFile(folder.id, "b.txt", bytesOf(100, 2));
    expect(await value(registry, "box_upload_requests_total", { kind: "upload", status: "201" })).toBe(2);
    // One-call uploads are files too: each counted with its bytes; one Box refuses is a failure.
    expect(await value(registry, "box_upload_files_total", { result: "uploaded" })).toBe(2);
    expect(await value(registry, "box_upload_file_bytes_sent_total")).toBe(200);
    await expect(second.uploadNewFile("999999", "c.txt", bytesOf(100, 3))).rejects.toThrow();
    expect(await value(registry, "box_upload_files_total", { result: "failed" })).toBe(1);
    expect(await value(registry, "box_upload_files_in_flight")).toBe(0);
    const before = h.server.log.length;
    expect(() => new BoxUploadClient({ token: DEFAULT_TOKEN, baseUrl: h.client.baseUrl, metrics: {} as never })).toThrow(BoxInputError);
    expect(h.server.log.length).toBe(before);
  } finally {
    await second.close();
    await h.close();
  }
});
