/**
 * New versions that send only what changed (Box's upload plan), against the local server in each
 * way Box might take the plan's hits (named in the commit, shown by list parts, refused at commit
 * but held by the session), and without a plan: a 1 MiB change in a 100 MiB file sends at most two
 * 8 MiB parts, the result's SHA-1 is the file's, one version is made; no plan, a plain upload.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { UploadProgress } from "../../src";
import { startHarness, type Harness } from "../support/harness";
import { defaultPartSize, DEFAULT_TOKEN, type BoxServerOptions } from "../support/localBox/server";
import { runCli } from "../support/process/cli";
import { bytesOf } from "../support/random";
import { requestsTo } from "../support/serverLog";
import { sha1 } from "../support/sha1";

jest.setTimeout(60_000);
const MiB = 1024 * 1024;
const SIZE = 100 * MiB;
const PARTS = Math.ceil(SIZE / (8 * MiB));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "plan-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The old version, and the new one: 1 MiB rewritten across the boundary of parts 6 and 7. */
const before = bytesOf(SIZE, 1);
const after = Buffer.from(before);
bytesOf(MiB, 2).copy(after, 6 * 8 * MiB - MiB / 2);

async function withServer(options: BoxServerOptions, body: (h: Harness) => Promise<void>) {
  const h = await startHarness({ partSizeFor: defaultPartSize, ...options }, { uploadDefaults: { chunkedThreshold: 20_000_000 } });
  try {
    await body(h);
    expect(h.proxy.violations).toEqual([]);
  } finally {
    await h.close();
  }
}

describe.each(["commit", "listed", "refused"] as const)("hits %s", (hits) => {
  test("a 1 MiB change in 100 MiB: at most two parts sent, the right SHA-1, one new version", async () => {
    await withServer({ uploadPlan: { hits } }, async (h) => {
      const file = h.server.addFile("disk.img", before);
      const mark = h.server.log.length;
      let last: UploadProgress | undefined;
      const done = await h.client.uploadNewVersion(file.id, after, { onProgress: (p) => (last = p) });
      expect(done.sha1).toBe(sha1(after));
      expect(file.versions.map((v) => v.sha1)).toEqual([sha1(before), sha1(after)]);
      const sent = requestsTo(h.server, "uploadPart", mark).filter((r) => r.status === 200);
      expect(sent.length).toBeGreaterThanOrEqual(1);
      expect(sent.length).toBeLessThanOrEqual(2);
      expect(requestsTo(h.server, "planSession", mark).length).toBeGreaterThanOrEqual(1);
      // Named hits are taken at once; a server that refuses them takes the commit of what was sent.
      expect(requestsTo(h.server, "commit", mark).map((r) => r.status)).toEqual(hits === "refused" ? [400, 201] : [201]);
      // Progress says why: what Box held is counted as uploaded and as planned, never as sent by us.
      expect(last).toMatchObject({ bytesUploaded: SIZE, totalBytes: SIZE, bytesPlanned: SIZE - sent.length * 8 * MiB });
    });
  });
});

test("a server without the plan (no endpoint named): a plain upload, every part sent", async () => {
  await withServer({ uploadPlan: { endpoint: false } }, async (h) => {
    const file = h.server.addFile("disk.img", before);
    const mark = h.server.log.length;
    const done = await h.client.uploadNewVersion(file.id, after);
    expect(done.sha1).toBe(sha1(after));
    expect(requestsTo(h.server, "planSession", mark)).toHaveLength(0);
    expect(requestsTo(h.server, "uploadPart", mark).filter((r) => r.status === 200)).toHaveLength(PARTS);
  });
});

test('plan: "always" against a server that answers the plan 404: a plain upload, one version', async () => {
  await withServer({}, async (h) => {
    const file = h.server.addFile("disk.img", before);
    const mark = h.server.log.length;
    const done = await h.client.uploadNewVersion(file.id, after, { plan: "always" });
    expect(done.sha1).toBe(sha1(after));
    expect(requestsTo(h.server, "planSession", mark).map((r) => r.status)).toEqual([404]);
    expect(requestsTo(h.server, "uploadPart", mark).filter((r) => r.status === 200)).toHaveLength(PARTS);
    expect(file.versions).toHaveLength(2);
  });
});

test('plan: "never": every part sent although the server offers a plan', async () => {
  await withServer({ uploadPlan: { hits: "commit" } }, async (h) => {
    const file = h.server.addFile("disk.img", before);
    const mark = h.server.log.length;
    await h.client.uploadNewVersion(file.id, after, { plan: "never" });
    expect(requestsTo(h.server, "planSession", mark)).toHaveLength(0);
    expect(requestsTo(h.server, "uploadPart", mark).filter((r) => r.status === 200)).toHaveLength(PARTS);
  });
});

test("resume keeps the planned hits: the rerun asks no plan again for them and sends only what is missing", async () => {
  await withServer({ uploadPlan: { hits: "refused" } }, async (h) => {
    const file = h.server.addFile("disk.img", before);
    const path = join(dir, "resume.img");
    await writeFile(path, after);
    const state = join(dir, "resume.json");
    const controller = new AbortController();
    // Stop once the plan has answered and the first changed part is stored.
    const first = h.client.uploadNewVersion(file.id, path, {
      resume: { path: state },
      signal: controller.signal,
      concurrency: 1,
      onProgress: (p) => p.bytesPlanned > 0 && p.partsUploaded > p.totalParts - 3 && controller.abort(new Error("stop")),
    });
    await expect(first).rejects.toThrow();
    const mark = h.server.log.length;
    const done = await h.client.uploadNewVersion(file.id, path, { resume: { path: state } });
    expect(done.sha1).toBe(sha1(after));
    // Every hit came back from the state file; the plan was asked about nothing again, or only the rest.
    const replanned = requestsTo(h.server, "planSession", mark);
    expect(replanned.length).toBeLessThanOrEqual(1);
    expect(requestsTo(h.server, "uploadPart", 0).filter((r) => r.status === 200).length).toBeLessThanOrEqual(2);
    expect(file.versions).toHaveLength(2);
  });
});

test("a sync that versions a big file sends only the changed parts; box-upload --no-plan sends them all", async () => {
  await withServer({ uploadPlan: { hits: "commit" } }, async (h) => {
    const root = join(dir, "tree");
    await mkdir(root, { recursive: true });
    await writeFile(join(root, "disk.img"), after);
    const dest = h.server.addFolder("plan-sync");
    const file = h.server.addFile("disk.img", before, dest.id);
    const mark = h.server.log.length;
    const summary = await h.client.syncFolder(root, dest.id);
    expect(summary).toMatchObject({ versioned: 1, failed: 0 });
    expect(summary.bytesPlanned).toBeGreaterThanOrEqual(SIZE - 2 * 8 * MiB);
    expect(summary.bytesSent).toBeLessThanOrEqual(2 * 8 * MiB);
    expect(requestsTo(h.server, "uploadPart", mark).filter((r) => r.status === 200).length).toBeLessThanOrEqual(2);
    expect(file.versions.at(-1)!.sha1).toBe(sha1(after));

    // The CLI: --no-plan sends every part of the next version; --json reports what the plan spared.
    await writeFile(join(root, "disk.img"), before);
    const cli = await runCli(["version", file.id, join(root, "disk.img"), "--no-plan", "--json", "--base-url", h.client.baseUrl, "--api-base-url", h.client.apiBaseUrl], {
      BOX_ACCESS_TOKEN: DEFAULT_TOKEN,
      HOME: dir,
    }).done;
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ bytes_planned: 0, parts: PARTS });
  });
});

test("identical bytes, every part a hit, and a server that refuses named hits: still one right version", async () => {
  await withServer({ uploadPlan: { hits: "refused" } }, async (h) => {
    const file = h.server.addFile("same.img", before);
    const done = await h.client.uploadNewVersion(file.id, before);
    expect(done.sha1).toBe(sha1(before));
    expect(file.versions).toHaveLength(2);
  });
}, 120_000);

test("a parts_mismatch that only means Box lagged does not throw the plan away: the hits are not sent", async () => {
  let lag = 1;
  await withServer(
    { uploadPlan: { hits: "commit" }, before: (ctx) => (ctx.route === "commit" && lag-- > 0 ? { status: 400, body: { type: "error", status: 400, code: "parts_mismatch", message: "not yet" } } : undefined) },
    async (h) => {
      const file = h.server.addFile("disk.img", before);
      const mark = h.server.log.length;
      const done = await h.client.uploadNewVersion(file.id, after);
      expect(done.sha1).toBe(sha1(after));
      expect(requestsTo(h.server, "uploadPart", mark).filter((r) => r.status === 200).length).toBeLessThanOrEqual(2);
      expect(file.versions).toHaveLength(2);
    },
  );
});
