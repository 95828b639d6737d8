/**
 * A part the upload plan is asked about is known by its SHA-512 alone (the pass no longer SHA-1s
 * it): a hit is named in the commit as Box named it, and whenever such a part's bytes are read
 * again (a miss sent after its answer, a hit sent after all, a hit a resume record kept) they are
 * checked by that SHA-512. Each test changes the file on disk at the moment that check matters and
 * expects SourceChangedError with nothing of the changed bytes sent and no version made.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readFileSync, utimesSync, writeSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SourceChangedError } from "../../src";
import { startHarness, stoppedVersion, type Harness } from "../support/harness";
import type { BoxServerOptions } from "../support/localBox/server";
import type { RequestContext } from "../support/localBox/options";
import { bytesOf } from "../support/random";
import { arrivalsAt, putsByOffset, requestsTo } from "../support/serverLog";
import { sha1 } from "../support/sha1";

jest.setTimeout(60_000);
const MiB = 1024 * 1024;
const SIZE = 24 * MiB;
const PARTS = SIZE / MiB;
/** The one part that changed between the versions. */
const CHANGED = 20 * MiB;
const before = bytesOf(SIZE, 11);
const after = Buffer.from(before);
bytesOf(MiB, 12).copy(after, CHANGED);

let dir: string;
let path: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "plan-checks-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
beforeEach(async () => {
  path = join(dir, `${expect.getState().currentTestName!.replace(/\W+/g, "-").slice(0, 60)}.img`);
  await writeFile(path, after);
  utimesSync(path, TIMES, TIMES);
});

/** The files' times, whole seconds, so a test can put them back exactly as a resume record knows them. */
const TIMES = 1_700_000_000;

/** Overwrites `size` bytes of the file at `offset`; with `keepTimes`, its times stay what they were. */
function scribble(offset: number, size = 4096, keepTimes = false): void {
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, bytesOf(size, 99), 0, size, offset);
  } finally {
    closeSync(fd);
  }
  if (keepTimes) utimesSync(path, TIMES, TIMES);
}

function bodyOf(ctx: RequestContext): { parts?: { offset: number; size: number; sha1?: string; sha512?: string; part_id?: string }[] } {
  return JSON.parse(ctx.body?.toString() ?? "{}");
}

async function withServer(options: BoxServerOptions, body: (h: Harness) => Promise<void>) {
  const h = await startHarness({ partSizeFor: () => MiB, bufferBodies: true, ...options }, { uploadDefaults: { chunkedThreshold: 20_000_000 } });
  try {
    await body(h);
    expect(h.proxy.violations).toEqual([]);
  } finally {
    await h.close();
  }
}

test("hits are named in the commit as Box named them, without a SHA-1; the part sent carries its own", async () => {
  await withServer({ uploadPlan: { hits: "commit" } }, async (h) => {
    const file = h.server.addFile("disk.img", before);
    const done = await h.client.uploadNewVersion(file.id, path);
    expect(done.sha1).toBe(sha1(after));
    const [commit] = arrivalsAt(h.server, "commit");
    const parts = bodyOf(commit!).parts!;
    expect(parts).toHaveLength(PARTS);
    for (const p of parts) {
      if (p.offset === CHANGED) expect(p.sha1).toBe(sha1(after.subarray(CHANGED, CHANGED + MiB)));
      else expect(Object.keys(p).sort()).toEqual(["offset", "part_id", "size"]);
    }
    expect(file.versions).toHaveLength(2);
  });
});

test("a miss whose bytes change after the pass hashed them is refused by its SHA-512 when read again, never sent", async () => {
  let changed = false;
  const before_ = (ctx: RequestContext) => {
    // The plan is asked about the changed part: the pass has hashed it. Change it before the answer.
    if (ctx.route === "planSession" && !changed && bodyOf(ctx).parts!.some((p) => p.offset === CHANGED)) {
      scribble(CHANGED + 100);
      changed = true;
    }
    return undefined;
  };
  await withServer({ uploadPlan: { hits: "commit" }, before: before_ }, async (h) => {
    const file = h.server.addFile("disk.img", before);
    await expect(h.client.uploadNewVersion(file.id, path)).rejects.toBeInstanceOf(SourceChangedError);
    expect(changed).toBe(true);
    expect(putsByOffset(h.server).has(CHANGED)).toBe(false);
    expect(arrivalsAt(h.server, "commit")).toHaveLength(0);
    expect(file.versions).toHaveLength(1);
  });
});

describe("a server that takes hits in no way the client knows: every hit is read again and sent", () => {
  /** Refuses a commit that names a part without its SHA-1, or leaves parts out: only uploaded parts will do. */
  const onlyUploaded = (onFirst?: () => void) => {
    let commits = 0;
    return (ctx: RequestContext) => {
      if (ctx.route !== "commit") return undefined;
      if (commits++ === 0) onFirst?.();
      const parts = bodyOf(ctx).parts ?? [];
      if (parts.length === PARTS && parts.every((p) => typeof p.sha1 === "string")) return undefined;
      return { status: 400, body: { type: "error", status: 400, code: "bad_request", message: "parts must be uploaded parts" } };
    };
  };

  test("the hits go up checked by their SHA-512, and one right version is made", async () => {
    await withServer({ uploadPlan: { hits: "commit" }, before: onlyUploaded() }, async (h) => {
      const file = h.server.addFile("disk.img", before);
      const done = await h.client.uploadNewVersion(file.id, path);
      expect(done.sha1).toBe(sha1(after));
      const puts = putsByOffset(h.server);
      expect(puts.size).toBe(PARTS);
      for (const statuses of puts.values()) expect(statuses).toEqual([200]);
      expect(requestsTo(h.server, "commit").at(-1)!.status).toBe(201);
      expect(file.versions).toHaveLength(2);
    });
  });

  test("a hit changed on disk before it is sent is refused, and nothing of it goes up", async () => {
    await withServer({ uploadPlan: { hits: "commit" }, before: onlyUploaded(() => scribble(3 * MiB + 100)) }, async (h) => {
      const file = h.server.addFile("disk.img", before);
      await expect(h.client.uploadNewVersion(file.id, path)).rejects.toBeInstanceOf(SourceChangedError);
      expect(putsByOffset(h.server).has(3 * MiB)).toBe(false);
      expect(requestsTo(h.server, "commit").filter((r) => r.status === 201)).toHaveLength(0);
      expect(file.versions).toHaveLength(1);
    });
  });
});

test("resume: the record keeps each hit by its SHA-512; a kept hit changed in place is refused; a record that kept SHA-1s still resumes", async () => {
  await withServer({ uploadPlan: { hits: "commit" } }, async (h) => {
    const file = h.server.addFile("disk.img", before);
    const state = join(dir, "resume.json");
    await stoppedVersion(h.client, file.id, path, state, (p) => p.bytesPlanned >= (PARTS - 1) * MiB);
    const record = JSON.parse(await readFile(state, "utf8")) as { planned: { offset: number; size: number; sha1?: string; sha512?: string }[] };
    expect(record.planned).toHaveLength(PARTS - 1);
    const sha512 = (offset: number, size: number) => createHash("sha512").update(after.subarray(offset, offset + size)).digest("hex");
    for (const hit of record.planned) {
      expect(hit.sha1).toBeUndefined();
      expect(hit.sha512).toBe(sha512(hit.offset, hit.size));
    }

    // Bytes changed inside a kept hit, the file's times and edges as they were: the SHA-512 catches it.
    scribble(5 * MiB + 100, 4096, true);
    let mark = h.server.log.length;
    const refused = h.client.uploadNewVersion(file.id, path, { resume: { path: state } });
    await expect(refused).rejects.toBeInstanceOf(SourceChangedError);
    await expect(refused).rejects.toThrow(`part at offset ${5 * MiB} is not what it was`);
    expect(requestsTo(h.server, "uploadPart", mark).filter((r) => r.status === 200)).toHaveLength(0);
    expect(requestsTo(h.server, "commit", mark)).toHaveLength(0);
    expect(file.versions).toHaveLength(1);

    // The bytes back, and the record as one written before kept its hits: by our SHA-1 of each.
    await writeFile(path, after);
    utimesSync(path, TIMES, TIMES);
    const older = JSON.parse(readFileSync(state, "utf8")) as typeof record;
    older.planned = older.planned.map(({ sha512: _, ...hit }) => ({ ...hit, sha1: sha1(after.subarray(hit.offset, hit.offset + hit.size)) }));
    await writeFile(state, JSON.stringify(older));
    mark = h.server.log.length;
    const arrived = h.server.received.length;
    const done = await h.client.uploadNewVersion(file.id, path, { resume: { path: state } });
    expect(done.sha1).toBe(sha1(after));
    // No hit was asked about again or sent: the plan was asked about nothing, or only the changed part.
    const asked = h.server.received.slice(arrived).filter((c) => c.route === "planSession").flatMap((c) => bodyOf(c).parts ?? []);
    expect(asked.every((p) => p.offset === CHANGED)).toBe(true);
    expect([...putsByOffset(h.server, mark).keys()].every((o) => o === CHANGED)).toBe(true);
    expect(file.versions).toHaveLength(2);
  });
});
