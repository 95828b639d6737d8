/**
 * Fault injection against the local Box server (through the validating proxy). Every scenario
 * must end with the committed SHA-1 equal to the source and exactly one new version, or, where the
 * outcome cannot be known, with the typed error that says so and still exactly one version.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BoxApiError, CommitUncertainError, type RetryOptions } from "../../src";
import { PART, startHarness, type Harness } from "../support/harness";
import { errorFault, type Fault, type RequestContext } from "../support/localBox/server";
import { bytesOf, seeded } from "../support/random";
import { sha1 } from "../support/sha1";
import { rejectionOf } from "../support/checks/rejection";
import { openSessionCount, putsByOffset, requestsTo, statusesOf } from "../support/serverLog";

const retry = (seed: number): RetryOptions => ({ baseDelayMs: 5, maxDelayMs: 50, random: seeded(seed) });

let h: Harness | undefined;
afterEach(async () => {
  if (h) {
    expect(h.proxy.violations).toEqual([]);
    await h.close();
    h = undefined;
  }
});

/** Fires `fault` for requests that match, once each for the first `times` matches. */
function nth(match: (ctx: RequestContext) => boolean, fault: Fault, times = 1): (ctx: RequestContext) => Fault | undefined {
  let left = times;
  return (ctx) => (match(ctx) && left-- > 0 ? fault : undefined);
}

async function uploadAndCheck(harness: Harness, size: number, seed: number, extra = {}) {
  const data = bytesOf(size, seed);
  const file = harness.server.addFile(`f-${seed}.bin`, Buffer.from("v1"));
  const committed = await harness.client.uploadNewVersion(file.id, data, { concurrency: 3, retry: retry(seed), ...extra });
  expect(committed.sha1).toBe(sha1(data));
  expect(file.versions).toHaveLength(2);
  expect(file.versions[1]!.sha1).toBe(sha1(data));
  return { file, data };
}

test("5xx on parts are retried per part; the upload completes", async () => {
  h = await startHarness({ before: nth((c) => c.route === "uploadPart" && (c.range?.offset ?? 0) % (2 * PART) === 0, { status: 503 }, 4) });
  await uploadAndCheck(h, 8 * PART + 5, 1);
  const puts = [...putsByOffset(h.server).values()];
  expect(puts.flat().filter((s) => s === 503)).toHaveLength(4);
  expect(puts).toHaveLength(9);
  for (const statuses of puts) expect(statuses[statuses.length - 1]).toBe(200);
});

test("a 503 on session creation is retried; one session and one version result", async () => {
  h = await startHarness({ before: nth((c) => c.route === "createSessionExistingFile", { status: 503 }, 2) });
  await uploadAndCheck(h, 2 * PART, 14);
  expect(statusesOf(h.server, "createSessionExistingFile")).toEqual([503, 503, 201]);
  expect(h.server.sessions.size).toBe(1);
});

test("429 with Retry-After: the client waits at least that long before the retry", async () => {
  const seen: number[] = [];
  h = await startHarness({
    before: (ctx) => {
      if (ctx.route !== "uploadPart" || ctx.range?.offset !== PART) return undefined;
      seen.push(Date.now());
      return seen.length === 1 ? { status: 429, headers: { "retry-after": "1" } } : undefined;
    },
  });
  await uploadAndCheck(h, 3 * PART, 2);
  expect(seen).toHaveLength(2);
  expect(seen[1]! - seen[0]!).toBeGreaterThanOrEqual(1000);
});

test("dropped connections mid-body are retried after checking the part is not stored", async () => {
  h = await startHarness({ before: nth((c) => c.route === "uploadPart" && c.range?.offset === 2 * PART, "drop", 2) });
  await uploadAndCheck(h, 5 * PART, 3);
  expect(putsByOffset(h.server).get(2 * PART)).toEqual([0, 0, 200]);
  expect(requestsTo(h.server, "listParts")).toHaveLength(2);
});

test("500 although the part was stored: found by list parts, not sent again", async () => {
  h = await startHarness({ after: nth((c) => c.route === "uploadPart" && c.range?.offset === PART, { status: 500 }) });
  await uploadAndCheck(h, 4 * PART, 4);
  expect(putsByOffset(h.server).get(PART)).toEqual([500]);
  expect(requestsTo(h.server, "listParts").length).toBeGreaterThanOrEqual(1);
});

test("500 after storing, and a part list without sha1 (optional in the spec): matched by size, not re-sent", async () => {
  let failed = false;
  h = await startHarness({
    after: (c) => {
      if (c.route === "uploadPart" && c.range?.offset === PART && !failed) {
        failed = true;
        return { status: 500 };
      }
      if (c.route !== "listParts") return undefined;
      const parts = [...h!.server.sessions.get(c.sessionId!)!.parts.values()].sort((x, y) => x.offset - y.offset);
      const entries = parts.map(({ part_id, offset, size }) => ({ part_id, offset, size }));
      return { status: 200, body: { total_count: entries.length, offset: 0, limit: 1000, entries } };
    },
  });
  await uploadAndCheck(h, 4 * PART, 15);
  expect(putsByOffset(h.server).get(PART)).toEqual([500]);
});

test("commit answered 202 several times, then 201; Retry-After: 0 is not a tight loop", async () => {
  h = await startHarness({ processingCommits: 3, retryAfterSeconds: 0 });
  const started = Date.now();
  await uploadAndCheck(h, 2 * PART, 5);
  expect(statusesOf(h.server, "commit")).toEqual([202, 202, 202, 201]);
  expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 500);
});

test("parts_mismatch right after the last part, with every part stored: list, wait, commit again", async () => {
  h = await startHarness({ before: nth((c) => c.route === "commit", errorFault(400, "parts_mismatch", "lagging"), 2) });
  await uploadAndCheck(h, 3 * PART, 6);
  expect(statusesOf(h.server, "commit")).toEqual([400, 400, 201]);
  // Nothing was re-sent: each part went once.
  for (const statuses of putsByOffset(h.server).values()) expect(statuses).toEqual([200]);
});

test("parts_mismatch because the server lost a part: the missing part is re-sent", async () => {
  let dropped = false;
  h = await startHarness({
    before: (ctx) => {
      if (ctx.route === "commit" && !dropped) {
        dropped = true;
        const session = h!.server.sessions.get(ctx.sessionId!)!;
        session.parts.delete(PART); // Box forgot it
      }
      return undefined;
    },
  });
  await uploadAndCheck(h, 3 * PART, 7);
  expect(putsByOffset(h.server).get(PART)).toEqual([200, 200]);
});

test("commit stored but its answer lost: settled by reading the file, one new version, no second upload", async () => {
  h = await startHarness({ after: nth((c) => c.route === "commit", "drop") });
  const data = bytesOf(3 * PART, 8);
  const file = h.server.addFile("lost.bin", Buffer.from("v1"));
  const result = await h.client.uploadNewVersion(file.id, data, { retry: retry(8) });
  expect(result.sha1).toBe(sha1(data));
  expect(result.file_version?.id).toBe(file.versions[1]!.id);
  expect(file.versions.map((v) => v.sha1)).toEqual([sha1(Buffer.from("v1")), sha1(data)]);
  expect(requestsTo(h.server, "createSession")).toHaveLength(1);
  expect(requestsTo(h.server, "uploadPart")).toHaveLength(3);
  expect(requestsTo(h.server, "abortSession")).toHaveLength(0);
});

test("commit stored but its answer lost, and the file cannot be read: a CommitUncertainError naming session and SHA-1", async () => {
  h = await startHarness({
    before: (c) => (c.route === "getFile" ? errorFault(503, "unavailable") : undefined),
    after: nth((c) => c.route === "commit", "drop"),
  });
  const data = bytesOf(3 * PART, 8);
  const file = h.server.addFile("lost.bin", Buffer.from("v1"));
  const err = await rejectionOf(h.client.uploadNewVersion(file.id, data, { retry: retry(8) }), CommitUncertainError);
  expect(err.sha1).toBe(sha1(data));
  expect(err.reason).toBe("answer-lost");
  expect(err.message).toMatch(/session is gone, so it most likely went through/);
  expect(file.versions).toHaveLength(2);
  expect(file.versions[1]!.sha1).toBe(sha1(data));
  expect(requestsTo(h.server, "createSession")).toHaveLength(1);
  expect(requestsTo(h.server, "abortSession")).toHaveLength(0);
});

test("token expiry mid-upload: one refresh shared by all parts in flight, and the upload completes", async () => {
  let requests = 0;
  const asked: string[] = [];
  h = await startHarness(
    { token: (t) => (++requests <= 3 ? t === "token-1" : t === "token-2") },
    {
      token: ({ reason }) => {
        asked.push(reason);
        return reason === "initial" ? "token-1" : "token-2";
      },
    },
  );
  await uploadAndCheck(h, 8 * PART, 9);
  expect(asked).toEqual(["initial", "expired"]);
  expect(h.server.log.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(1);
});

test("session expiry mid-upload: one clean restart with a new session, exactly one new version", async () => {
  let stored = 0;
  h = await startHarness({
    after: (ctx, status) => {
      if (ctx.route === "uploadPart" && status === 200 && ++stored === 3) h!.server.expireSession(ctx.sessionId!);
      return undefined;
    },
  });
  await uploadAndCheck(h, 6 * PART, 10);
  expect(requestsTo(h.server, "createSession")).toHaveLength(2);
});

test("4xx other than 408/429 are not retried", async () => {
  h = await startHarness({ before: nth((c) => c.route === "uploadPart", { status: 403 }) });
  const file = h.server.addFile("forbidden.bin");
  const err = await rejectionOf(h.client.uploadNewVersion(file.id, bytesOf(3 * PART), { retry: retry(11), concurrency: 1 }), BoxApiError);
  expect(err.status).toBe(403);
  expect(putsByOffset(h.server).get(0)).toEqual([403]);
  // The failed upload left nothing behind.
  expect(openSessionCount(h.server)).toBe(0);
  expect(file.versions).toHaveLength(1);
});

test("a 409 for a different part at the same offset is an error, not retried", async () => {
  h = await startHarness({
    before: (ctx) => {
      if (ctx.route === "uploadPart" && ctx.range?.offset === 0) {
        const session = h!.server.sessions.get(ctx.sessionId!)!;
        session.parts.set(0, { part_id: "OTHER", offset: 0, size: PART, sha1: "0".repeat(40) });
      }
      return undefined;
    },
  });
  const file = h.server.addFile("conflict.bin");
  const err = await rejectionOf(h.client.uploadNewVersion(file.id, bytesOf(2 * PART), { retry: retry(12) }));
  expect(err).toMatchObject({ name: "BoxApiError", status: 409 });
  expect(putsByOffset(h.server).get(0)).toEqual([409]);
});

test("retries stop at maxAttempts and the session is aborted", async () => {
  h = await startHarness({ before: (c) => (c.route === "uploadPart" ? { status: 503 } : undefined) });
  const file = h.server.addFile("down.bin");
  const err = await rejectionOf(h.client.uploadNewVersion(file.id, bytesOf(PART), { retry: { ...retry(13), maxAttempts: 3 } }));
  expect(err).toMatchObject({ name: "BoxApiError", status: 503 });
  expect(putsByOffset(h.server).get(0)).toEqual([503, 503, 503]);
  expect(requestsTo(h.server, "abortSession")).toHaveLength(1);
});

describe("once a commit may have been applied, nothing is uploaded again and the session is left alone", () => {
  const gone = errorFault(404, "not_found", "no such session");

  async function uncertain(harness: Harness, seed: number, extra = {}) {
    const data = bytesOf(3 * PART, seed);
    const file = harness.server.addFile(`u-${seed}.bin`, Buffer.from("v1"));
    const err = await rejectionOf(harness.client.uploadNewVersion(file.id, data, { retry: { ...retry(seed), maxAttempts: 3 }, ...extra }), CommitUncertainError);
    expect(err.sha1).toBe(sha1(data));
    expect(requestsTo(harness.server, "createSession")).toHaveLength(1);
    expect(requestsTo(harness.server, "abortSession")).toHaveLength(0);
    return { file, data };
  }

  test("202, then the session is gone (Box finished with it): CommitUncertainError, no second upload", async () => {
    let commits = 0;
    h = await startHarness({ processingCommits: 1, retryAfterSeconds: 0, before: (c) => (c.route === "commit" && ++commits === 2 ? gone : undefined) });
    await uncertain(h, 20);
  });

  test("answer lost, then parts_mismatch (the parts were consumed by that commit): CommitUncertainError", async () => {
    let commits = 0;
    const mismatch = errorFault(400, "parts_mismatch", "no parts");
    h = await startHarness({
      // The file cannot be read, so the outcome cannot be settled by looking.
      before: (c) => (c.route === "commit" && ++commits === 2 ? mismatch : c.route === "getFile" ? errorFault(503, "unavailable") : undefined),
      after: (c) => (c.route === "commit" && commits === 1 ? "drop" : undefined),
    });
    const { file, data } = await uncertain(h, 24);
    expect(file.versions.map((v) => v.sha1)).toEqual([sha1(Buffer.from("v1")), sha1(data)]);
  });

  test("answer lost, then parts_mismatch, and the file shows our version: the upload is returned, done once", async () => {
    let commits = 0;
    const mismatch = errorFault(400, "parts_mismatch", "no parts");
    h = await startHarness({
      before: (c) => (c.route === "commit" && ++commits === 2 ? mismatch : undefined),
      after: (c) => (c.route === "commit" && commits === 1 ? "drop" : undefined),
    });
    const data = bytesOf(3 * PART, 25);
    const file = h.server.addFile("u-25.bin", Buffer.from("v1"));
    const result = await h.client.uploadNewVersion(file.id, data, { retry: { ...retry(25), maxAttempts: 3 } });
    expect(result.sha1).toBe(sha1(data));
    expect(file.versions.map((v) => v.sha1)).toEqual([sha1(Buffer.from("v1")), sha1(data)]);
    expect(requestsTo(h.server, "uploadPart")).toHaveLength(3);
    expect(requestsTo(h.server, "abortSession")).toHaveLength(0);
  });

  test("every commit answered 5xx: CommitUncertainError, not a plain error that invites a rerun", async () => {
    h = await startHarness({ before: (c) => (c.route === "commit" ? { status: 503 } : undefined) });
    await uncertain(h, 21);
    expect(requestsTo(h.server, "commit")).toHaveLength(3);
  });

  test("aborted while the commit is in flight: CommitUncertainError, and the session is not deleted", async () => {
    const controller = new AbortController();
    h = await startHarness({
      after: async (c) => {
        if (c.route !== "commit") return undefined;
        controller.abort(new Error("user gave up"));
        await new Promise((r) => setTimeout(r, 50));
        return undefined;
      },
    });
    const { file, data } = await uncertain(h, 22, { signal: controller.signal });
    // The commit did go through on the server; the client said it could not be sure, not "aborted".
    expect(file.versions.map((v) => v.sha1)).toContain(sha1(data));
  });

  test("with resume: a lost commit answer stays uncertain on the next run instead of uploading again", async () => {
    const dir = await mkdtemp(join(tmpdir(), "uncertain-"));
    try {
      const statePath = join(dir, "state.json");
      // The file cannot be read, so neither run can settle the outcome by looking.
      h = await startHarness({
        before: (c) => (c.route === "getFile" ? errorFault(503, "unavailable") : undefined),
        after: nth((c) => c.route === "commit", "drop"),
      });
      const data = bytesOf(3 * PART, 23);
      const path = join(dir, "src.bin");
      await writeFile(path, data);
      const file = h.server.addFile("resumed.bin", Buffer.from("v1"));
      const options = { resume: { path: statePath }, retry: retry(23) };
      await expect(h.client.uploadNewVersion(file.id, path, options)).rejects.toBeInstanceOf(CommitUncertainError);
      const mark = h.server.log.length;
      await expect(h.client.uploadNewVersion(file.id, path, options)).rejects.toBeInstanceOf(CommitUncertainError);
      // The second run finds the session gone, looks at the file (unreadable here), and sends nothing.
      expect(h.server.log.slice(mark).map((r) => r.route)).toEqual(["getSession", "getFile"]);
      expect(file.versions).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
