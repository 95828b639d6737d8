/**
 * Answers that once left the client in the wrong state or waiting too long: a 202 commit whose
 * body is not JSON (a proxy's `Accepted`), a token provider that stalls when asked again after a
 * 401 while the caller aborts, and a list-parts server that ignores `offset` and gives no total.
 */
import { BoxApiError, UploadAbortedError } from "../../src";
import { timedRejection } from "../support/checks/rejection";
import { within } from "../support/checks/timing";
import { FAST_RETRY, FILE_ID, PART, TOKEN, clientFor, count, data, hostileBox } from "../support/hostile";
import { jsonAnswer } from "../support/localBox/rawFaults";
import { closeAll } from "../support/process/cleanup";
import { sha1 } from "../support/sha1";

jest.setTimeout(20_000);
afterEach(closeAll);

describe("a 202 commit is processing whatever its body", () => {
  test("`Accepted` as text/plain, then the real commit: the file, one version, the file never looked up as uncertain", async () => {
    const box = await hostileBox({
      before: (ctx) =>
        ctx.route === "commit" && ctx.nth === 0
          ? { raw: (_req, res) => res.writeHead(202, { "content-type": "text/plain", "retry-after": "0", "content-length": "8" }).end("Accepted") }
          : undefined,
    });
    const bytes = data(3 * PART);
    const file = await clientFor(box.baseUrl).uploadNewVersion(FILE_ID, bytes, { retry: FAST_RETRY });
    expect(file.sha1).toBe(sha1(bytes));
    expect(count(box, "commit")).toBe(2);
    // One version before (empty) and ours: the 202 was waited out, not taken for a lost answer.
    expect(box.files.get(FILE_ID)!.versions.map((v) => v.sha1)).toEqual([sha1(Buffer.alloc(0)), sha1(bytes)]);
    // "Is the session gone?" and "did it land?" are questions for a lost answer only.
    expect(count(box, "getSession")).toBe(0);
  });

  test("a 202 whose body is JSON of another shape is waited out just the same", async () => {
    const box = await hostileBox({ before: (ctx) => (ctx.route === "commit" && ctx.nth < 2 ? jsonAnswer(202, "[1,", { "retry-after": "0" }) : undefined) });
    const bytes = data(2 * PART + 5);
    const file = await clientFor(box.baseUrl).uploadNewVersion(FILE_ID, bytes, { retry: FAST_RETRY });
    expect(file.sha1).toBe(sha1(bytes));
    expect(count(box, "commit")).toBe(3);
  });
});

describe("a token provider that stalls after a 401", () => {
  test("the caller's abort ends the upload at once, and nothing is sent after it", async () => {
    let revoked = false;
    const box = await hostileBox({
      token: (t) => t === TOKEN && !revoked,
      // Box revokes the token once the first part is stored: every later request meets a 401.
      after: (ctx, status) => {
        if (ctx.route === "uploadPart" && status === 200) revoked = true;
        return undefined;
      },
    });
    const controller = new AbortController();
    let asked = 0;
    const stalled = new Promise<string>(() => undefined);
    const provider = () => (asked++ === 0 ? TOKEN : (setTimeout(() => controller.abort(new Error("user gave up")), 50), stalled));
    const client = clientFor(box.baseUrl, { token: provider, timeouts: { requestMs: 30_000, idleMs: 30_000 } });
    const upload = client.uploadNewVersion(FILE_ID, data(6 * PART), { signal: controller.signal, concurrency: 1, retry: FAST_RETRY });
    const outcome = await within(
      upload.then(
        () => "resolved",
        (err: unknown) => err,
      ),
      2_000,
    );
    expect(outcome).toBeInstanceOf(UploadAbortedError);
    expect(asked).toBe(2);
    const seen = box.received.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(box.received.length).toBe(seen);
  });
});

describe("list parts from a server that ignores offset and gives no total", () => {
  const fivePartsEveryTime = (total?: number) =>
    jsonAnswer(200, {
      entries: Array.from({ length: 5 }, (_, i) => ({ part_id: `P${i}`, offset: i * PART, size: PART, sha1: "0".repeat(40) })),
      limit: 1000,
      ...(total === undefined ? {} : { total_count: total }),
    });

  test("the five parts it holds, after the page that adds nothing (two requests, not a hundred)", async () => {
    const box = await hostileBox({ before: (ctx) => (ctx.route === "listParts" ? fivePartsEveryTime() : undefined) });
    const parts = await clientFor(box.baseUrl).api.listAllUploadedParts("ABCDEF");
    expect(parts.map((p) => p.offset)).toEqual([0, 1, 2, 3, 4].map((i) => i * PART));
    expect(count(box, "listParts")).toBe(2);
  });

  test("the caller's totalParts ends the listing as soon as that many are in hand (one request)", async () => {
    const box = await hostileBox({ before: (ctx) => (ctx.route === "listParts" ? fivePartsEveryTime() : undefined) });
    await clientFor(box.baseUrl).api.listAllUploadedParts("ABCDEF", { totalParts: 5 });
    expect(count(box, "listParts")).toBe(1);
  });

  test("pages of new entries without end stop at Box's 10,000 (ten pages)", async () => {
    const box = await hostileBox({
      before: (ctx) => {
        if (ctx.route !== "listParts") return undefined;
        const from = ctx.nth * 1000;
        return jsonAnswer(200, { entries: Array.from({ length: 1000 }, (_, i) => ({ part_id: `P${from + i}`, offset: (from + i) * PART, size: PART })), limit: 1000 });
      },
    });
    const parts = await clientFor(box.baseUrl).api.listAllUploadedParts("ABCDEF");
    expect(parts).toHaveLength(10_000);
    expect(count(box, "listParts")).toBe(10);
  });

  test("reached from an upload whose part answered 503: the look before resending takes two requests, the upload completes", async () => {
    // The real listing, but as a server that ignores offset and omits total_count would give it.
    const box = await hostileBox({
      before: (ctx) => (ctx.route === "uploadPart" && ctx.nth === 1 ? { status: 503, body: { type: "error", status: 503, code: "unavailable" } } : undefined),
      after: (ctx) => {
        if (ctx.route !== "listParts") return undefined;
        const session = box.sessions.get(ctx.sessionId!)!;
        const entries = [...session.parts.values()].map((p) => ({ part_id: p.part_id, offset: p.offset, size: p.size, sha1: p.sha1 }));
        return jsonAnswer(200, { entries, limit: 1000 });
      },
    });
    const bytes = data(4 * PART);
    const file = await clientFor(box.baseUrl).uploadNewVersion(FILE_ID, bytes, { concurrency: 1, retry: FAST_RETRY });
    expect(file.sha1).toBe(sha1(bytes));
    // The look happened (the 503 may have stored the part), and took the page that adds nothing: two.
    expect(count(box, "listParts")).toBe(2);
  });
});

test("a 404 from list parts still ends as the BoxApiError it is", async () => {
  const box = await hostileBox();
  const { err } = await timedRejection(clientFor(box.baseUrl).api.listAllUploadedParts("NOSUCHSESSION"));
  expect(err).toBeInstanceOf(BoxApiError);
});
