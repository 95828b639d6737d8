/**
 * Class 3: no server can keep the client looping. Paging, part plans, 202s, 5xx and Retry-After
 * are all bounded. Each server's fault has a fuse (it stops answering the loop after far more requests than
 * the bound) so that a client without the bound fails the count instead of hanging the test.
 */
import { timedRejection } from "../support/checks/rejection";
import { FAST_RETRY, FILE_ID, PART, clientFor, count, data, hostileBox } from "../support/hostile";
import type { Fault, RequestContext } from "../support/localBox/server";
import { boxErrorAnswer, jsonAnswer } from "../support/localBox/rawFaults";
import { closeAll } from "../support/process/cleanup";
import { isRoute } from "../support/serverLog";

jest.setTimeout(15_000);
afterEach(closeAll);

const FUSE = 1000;

/** The same one-entry page forever, claiming a billion parts. */
function endlessPage(ctx: RequestContext): Fault | undefined {
  if (ctx.route !== "listParts") return undefined;
  if (ctx.nth >= FUSE) return boxErrorAnswer(400, "fuse", "the client did not stop paging");
  return jsonAnswer(200, { entries: [{ part_id: "AAAA0000", offset: 0, size: PART, sha1: "0".repeat(40) }], total_count: 1_000_000_000, limit: 1000, offset: 0 });
}

describe("list parts paging", () => {
  test("the same page forever with a huge total_count: listAllUploadedParts stops with BoxProtocolError after a bounded number of pages", async () => {
    const box = await hostileBox({ before: endlessPage });
    const { err } = await timedRejection(clientFor(box.baseUrl).api.listAllUploadedParts("ABCDEF"));
    expect(err.name).toBe("BoxProtocolError");
    expect(count(box, "listParts")).toBeLessThan(200);
  });

  test("reached from an upload (a part answered 503, so the client looks before resending): the upload stops with BoxProtocolError", async () => {
    const box = await hostileBox({
      before: (ctx) => (ctx.route === "uploadPart" && ctx.nth === 0 ? boxErrorAnswer(503, "unavailable", "try again") : endlessPage(ctx)),
    });
    const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(3 * PART), { concurrency: 1, retry: FAST_RETRY }));
    expect(err.name).toBe("BoxProtocolError");
    expect(count(box, "listParts")).toBeLessThan(200);
    expect(count(box, "commit")).toBe(0);
    expect(count(box, "abortSession")).toBe(1);
  });

  test("a page of more entries than the limit asked for is refused at once", async () => {
    const entries = Array.from({ length: 1500 }, (_, i) => ({ part_id: "AAAA0000", offset: i * PART, size: PART }));
    const box = await hostileBox({ before: (ctx) => (ctx.route === "listParts" ? jsonAnswer(200, { entries, total_count: 1500, limit: 1000, offset: 0 }) : undefined) });
    const { err } = await timedRejection(clientFor(box.baseUrl).api.listAllUploadedParts("ABCDEF"));
    expect(err.name).toBe("BoxProtocolError");
    expect(count(box, "listParts")).toBe(1);
  });
});

describe("part plans", () => {
  test("part_size 1 for a 10 MB file (10 million parts): BoxProtocolError before any PUT, and the session is aborted", async () => {
    const size = 10 * 1024 * 1024;
    const box = await hostileBox({
      partSizeFor: () => 1,
      before: (ctx) => (ctx.route === "uploadPart" && ctx.nth >= 50 ? boxErrorAnswer(400, "fuse", "the client planned millions of parts") : undefined),
    });
    const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, Buffer.alloc(size), { retry: FAST_RETRY }));
    expect(err.name).toBe("BoxProtocolError");
    expect(count(box, "uploadPart")).toBe(0);
    expect(count(box, "abortSession")).toBe(1);
  });

  for (const partSize of [0, -1024, 1.5, "1024"]) {
    test(`part_size ${JSON.stringify(partSize)}: BoxProtocolError before any PUT, and the session is aborted`, async () => {
      const box = await hostileBox({ sessionPatch: { part_size: partSize, total_parts: 3 } });
      const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(3 * PART), { retry: FAST_RETRY }));
      expect(err.name).toBe("BoxProtocolError");
      expect(count(box, "uploadPart")).toBe(0);
      expect(count(box, "abortSession")).toBe(1);
    });
  }
});

describe("commit processing (202)", () => {
  test("endless 202s with Retry-After: 0: CommitUncertainError 'still-processing' after commitWaitMs, no tight loop, no DELETE", async () => {
    const box = await hostileBox({
      before: (ctx) => {
        if (ctx.route !== "commit") return undefined;
        if (ctx.nth >= FUSE) return boxErrorAnswer(400, "fuse", "the client did not stop committing");
        return jsonAnswer(202, "", { "retry-after": "0" });
      },
    });
    const { err, ms } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(2 * PART), { retry: FAST_RETRY, commitWaitMs: 1500 }));
    expect(err).toMatchObject({ name: "CommitUncertainError", reason: "still-processing" });
    expect(ms).toBeLessThan(3500);
    expect(count(box, "commit")).toBeGreaterThanOrEqual(2);
    expect(count(box, "commit")).toBeLessThanOrEqual(5);
    expect(count(box, "abortSession")).toBe(0);
  });

  test("a 202 asking to come back in a day ends at commitWaitMs, not a day later", async () => {
    const box = await hostileBox({ before: (ctx) => (ctx.route === "commit" ? jsonAnswer(202, "", { "retry-after": "86400" }) : undefined) });
    const { err, ms } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(2 * PART), { retry: FAST_RETRY, commitWaitMs: 1000 }));
    expect(err).toMatchObject({ name: "CommitUncertainError", reason: "still-processing" });
    expect(ms).toBeLessThan(3000);
    expect(count(box, "abortSession")).toBe(0);
  });
});

describe("retries", () => {
  test("503 forever on session creation: exactly maxAttempts tries, then the BoxApiError", async () => {
    const box = await hostileBox({ before: (ctx) => (isRoute(ctx.route, "createSession") ? boxErrorAnswer(503, "unavailable", "down") : undefined) });
    const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(PART), { retry: { ...FAST_RETRY, maxAttempts: 4 } }));
    expect(err).toMatchObject({ name: "BoxApiError", status: 503 });
    expect(count(box, "createSession")).toBe(4);
  });

  test("503 forever on a part: at most maxAttempts PUTs of it, then the upload fails and the session is aborted", async () => {
    const box = await hostileBox({ before: (ctx) => (ctx.route === "uploadPart" ? boxErrorAnswer(503, "unavailable", "down") : undefined) });
    const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(PART), { retry: { ...FAST_RETRY, maxAttempts: 4 } }));
    expect(err).toMatchObject({ name: "BoxApiError", status: 503 });
    expect(count(box, "uploadPart")).toBe(4);
    expect(count(box, "abortSession")).toBe(1);
  });

  test("a 429 with Retry-After of a day: given up at once (the wait would pass the retry deadline), not slept on", async () => {
    const box = await hostileBox({
      before: (ctx) => (isRoute(ctx.route, "createSession") ? jsonAnswer(429, { type: "error", status: 429, code: "rate_limited" }, { "retry-after": "86400" }) : undefined),
    });
    const { err, ms } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(PART), { retry: { ...FAST_RETRY, deadlineMs: 5000 } }));
    expect(err).toMatchObject({ name: "BoxApiError", status: 429 });
    expect(ms).toBeLessThan(2000);
    expect(count(box, "createSession")).toBe(1);
  });
});
