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
import { startHarness, stoppedVersion, type Harness } from "../support/harness";
import { defaultPartSize, DEFAULT_TOKEN, type BoxServerOptions } from "../support/localBox/server";
import { runCli } from "../support/process/cli";
import { bytesOf } from "../support/random";
import type { RequestContext } from "../support/localBox/options";
import { putsByOffset, requestsTo, statusesOf } from "../support/serverLog";
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
    // Stop once the plan has answered and the first changed part is stored.
    await stoppedVersion(h.client, file.id, path, state, (p) => p.bytesPlanned > 0 && p.partsUploaded > p.totalParts - 3);
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

describe("the planning pass, with 1 MiB parts (100 of them)", () => {
  const small = { partSizeFor: () => MiB, uploadPlan: { hits: "commit" as const } };
  const parts = SIZE / MiB;

  test("a file rewritten end to end: the plan is asked once, then every part is sent once, as a plain upload would", async () => {
    await withServer(small, async (h) => {
      const file = h.server.addFile("disk.img", before);
      const rewritten = bytesOf(SIZE, 9);
      const mark = h.server.log.length;
      const done = await h.client.uploadNewVersion(file.id, rewritten);
      expect(done.sha1).toBe(sha1(rewritten));
      // The first answer found no hit: no more asking.
      expect(statusesOf(h.server, "planSession", mark)).toEqual([200]);
      const puts = putsByOffset(h.server, mark);
      expect(puts.size).toBe(parts);
      expect([...puts.values()].every((s) => s.length === 1 && s[0] === 200)).toBe(true);
      expect(file.versions.map((v) => v.sha1)).toEqual([sha1(before), sha1(rewritten)]);
    });
  });

  test("plan calls run beside the pass, and a miss is sent while later parts are still being asked about", async () => {
    let inFlight = 0;
    let most = 0;
    const slowPlan = {
      // Each plan answer takes 200 ms: one call at a time would make 5 calls last a second.
      before: async (ctx: RequestContext) => {
        if (ctx.route !== "planSession") return undefined;
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 200));
        return undefined;
      },
      after: (ctx: RequestContext) => {
        if (ctx.route === "planSession") inFlight--;
        return undefined;
      },
    };
    await withServer({ ...small, ...slowPlan }, async (h) => {
      const file = h.server.addFile("disk.img", before);
      // One byte changed in the second part: the first answer has hits, so the pass plans on.
      const changed = Buffer.from(before);
      changed[MiB + 10] = 255 - changed[MiB + 10]!;
      const mark = h.server.received.length;
      const done = await h.client.uploadNewVersion(file.id, changed);
      expect(done.sha1).toBe(sha1(changed));
      const arrivals = h.server.received.slice(mark);
      const plans = arrivals.filter((r) => r.route === "planSession");
      const sent = arrivals.filter((r) => r.route === "uploadPart");
      expect(sent).toHaveLength(1);
      expect(plans.length).toBeGreaterThan(2);
      expect(most).toBeGreaterThanOrEqual(2);
      // The miss went out before the last plan call was made.
      expect(arrivals.indexOf(sent[0]!)).toBeLessThan(arrivals.indexOf(plans.at(-1)!));
      expect(file.versions).toHaveLength(2);
    });
  });
});
