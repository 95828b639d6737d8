/**
 * Class 2: every wait ends. A token provider, a refresh, a source stream, a silent or trickling
 * server: each is bounded by the caller's abort, the request deadline (timeouts.requestMs), the
 * idle timeout (timeouts.idleMs) or the retry deadline (retry.deadlineMs), and ends as a typed error.
 */
import { Readable } from "node:stream";
import { UploadAbortedError } from "../../src";
import { timedRejection } from "../support/checks/rejection";
import { until, within } from "../support/checks/timing";
import { FAST_RETRY, FILE_ID, PART, clientFor, count, data, hostileBox } from "../support/hostile";
import type { Fault } from "../support/localBox/server";
import { NO_ANSWER } from "../support/localBox/rawFaults";
import { closeAll, every } from "../support/process/cleanup";

jest.setTimeout(15_000);
afterEach(closeAll);

const never = <T>() => new Promise<T>(() => undefined);
const abortAfter = (ms: number) => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error("test abort")), ms);
  return controller.signal;
};

/** Every request answered 401, whatever it is. */
const unauthorized: Fault = {
  raw: (_req, res) => res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ type: "error", status: 401, code: "unauthorized" })),
};

/** Aborts now; the upload must then reject with UploadAbortedError within 2 s (3 s counts as hung). */
async function abortEndsPromptly(controller: AbortController, settled: ReturnType<typeof timedRejection>): Promise<void> {
  const abortedAt = Date.now();
  controller.abort(new Error("test abort"));
  const outcome = await within(settled, 3000);
  expect(outcome).not.toBe("still pending");
  const { err } = outcome as Awaited<typeof settled>;
  expect(err).toBeInstanceOf(UploadAbortedError);
  expect(Date.now() - abortedAt).toBeLessThan(2000);
}

describe("token providers", () => {
  test("a provider that never settles: an abort after 200 ms ends the upload promptly with UploadAbortedError", async () => {
    const box = await hostileBox();
    const client = clientFor(box.baseUrl, { token: () => never<string>(), timeouts: { requestMs: 60_000, idleMs: 60_000 } });
    const { err, ms } = await timedRejection(client.uploadNewVersion(FILE_ID, data(2 * PART), { signal: abortAfter(200), retry: FAST_RETRY }));
    expect(err).toBeInstanceOf(UploadAbortedError);
    expect(ms).toBeLessThan(2000);
    expect(box.received).toHaveLength(0);
  });

  test("a provider that never settles, no signal: requestMs 300 ends each try, a typed ETIMEDOUT within seconds", async () => {
    const box = await hostileBox();
    const client = clientFor(box.baseUrl, { token: () => never<string>(), timeouts: { requestMs: 300, idleMs: 60_000 } });
    const { err, ms } = await timedRejection(client.uploadNewVersion(FILE_ID, data(2 * PART), { retry: FAST_RETRY }));
    expect(err).toMatchObject({ name: "BoxNetworkError", code: "ETIMEDOUT" });
    expect(ms).toBeLessThan(4000);
    expect(box.received).toHaveLength(0);
  });

  test("a 401 whose refresh never settles: an abort ends it promptly", async () => {
    let asked = 0;
    const box = await hostileBox({ before: () => unauthorized });
    const client = clientFor(box.baseUrl, { token: () => (asked++ === 0 ? "first-token-1234" : never<string>()), timeouts: { requestMs: 60_000, idleMs: 60_000 } });
    const { err, ms } = await timedRejection(client.uploadNewVersion(FILE_ID, data(2 * PART), { signal: abortAfter(300), retry: FAST_RETRY }));
    expect(err).toBeInstanceOf(UploadAbortedError);
    expect(ms).toBeLessThan(2000);
    expect(asked).toBe(2);
  });

  test("a 401 whose refresh never settles, no signal: the request deadline ends it as a typed error", async () => {
    let asked = 0;
    const box = await hostileBox({ before: () => unauthorized });
    const client = clientFor(box.baseUrl, { token: () => (asked++ === 0 ? "first-token-1234" : never<string>()), timeouts: { requestMs: 400, idleMs: 60_000 } });
    const { err, ms } = await timedRejection(client.uploadNewVersion(FILE_ID, data(2 * PART), { retry: FAST_RETRY }));
    expect(err).toMatchObject({ name: "BoxNetworkError", code: "ETIMEDOUT" });
    expect(ms).toBeLessThan(4000);
    expect(count(box, "createSession")).toBe(1);
  });
});

describe("source streams", () => {
  test("a Node Readable that delivers every declared byte and then never ends: the abort ends the upload", async () => {
    const box = await hostileBox();
    const bytes = data(3 * PART);
    const stream = new Readable({ read() {} });
    stream.push(bytes);
    const controller = new AbortController();
    const upload = clientFor(box.baseUrl).uploadNewVersion(FILE_ID, stream, { size: bytes.length, signal: controller.signal, retry: FAST_RETRY });
    const settled = timedRejection(upload);
    await until(() => count(box, "uploadPart") === 3, 5000, "three parts sent");
    await new Promise((r) => setTimeout(r, 200));
    await abortEndsPromptly(controller, settled);
    expect(count(box, "commit")).toBe(0);
  });

  test("a web ReadableStream that stalls mid-part and whose cancel() never settles: the rejection still arrives promptly", async () => {
    const box = await hostileBox();
    let cancelled = false;
    let sent = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent) return never<void>();
        sent = true;
        c.enqueue(new Uint8Array(data(PART + PART / 2)));
        return undefined;
      },
      cancel() {
        cancelled = true;
        return never<void>();
      },
    });
    const controller = new AbortController();
    const settled = timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, stream, { size: 3 * PART, signal: controller.signal, retry: FAST_RETRY }));
    await until(() => count(box, "uploadPart") === 1, 5000, "first part sent");
    await new Promise((r) => setTimeout(r, 200));
    await abortEndsPromptly(controller, settled);
    expect(cancelled).toBe(true);
  });

  test("a web ReadableStream that delivers every byte, never closes, and whose cancel() never settles: abort ends it", async () => {
    const box = await hostileBox();
    let sent = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent) return never<void>();
        sent = true;
        c.enqueue(new Uint8Array(data(2 * PART)));
        return undefined;
      },
      cancel: () => never<void>(),
    });
    const controller = new AbortController();
    const settled = timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, stream, { size: 2 * PART, signal: controller.signal, retry: FAST_RETRY }));
    await until(() => count(box, "uploadPart") === 2, 5000, "both parts sent");
    await new Promise((r) => setTimeout(r, 200));
    await abortEndsPromptly(controller, settled);
    expect(count(box, "commit")).toBe(0);
  });
});

describe("silent and slow servers", () => {
  test("a server that accepts the connection and never answers: BoxNetworkError ETIMEDOUT after each retry", async () => {
    const box = await hostileBox({ before: () => NO_ANSWER });
    const client = clientFor(box.baseUrl, { timeouts: { requestMs: 60_000, idleMs: 200 } });
    const { err, ms } = await timedRejection(client.uploadNewVersion(FILE_ID, data(PART), { retry: { ...FAST_RETRY, maxAttempts: 3 } }));
    expect(err).toMatchObject({ name: "BoxNetworkError", code: "ETIMEDOUT" });
    expect(box.received).toHaveLength(3);
    expect(ms).toBeLessThan(3000);
  });

  test("a server that sends headers and half a JSON body, then stalls: a typed ETIMEDOUT", async () => {
    const box = await hostileBox({
      before: () => ({
        raw: (_req, res) => {
          res.writeHead(201, { "content-type": "application/json", "content-length": "200" });
          res.write('{"id":"ABC","type":"upload_sess');
        },
      }),
    });
    const client = clientFor(box.baseUrl, { timeouts: { requestMs: 60_000, idleMs: 300 } });
    const { err, ms } = await timedRejection(client.uploadNewVersion(FILE_ID, data(PART), { retry: { ...FAST_RETRY, maxAttempts: 2 } }));
    expect(err).toMatchObject({ name: "BoxNetworkError", code: "ETIMEDOUT" });
    expect(box.received).toHaveLength(2);
    expect(ms).toBeLessThan(3000);
  });

  test("a server that trickles one byte every 200 ms: requestMs 1000 ends each try, promptly and typed", async () => {
    const box = await hostileBox({
      before: () => ({
        raw: (_req, res) => {
          res.writeHead(201, { "content-type": "application/json", "content-length": "100000" });
          res.flushHeaders();
          const timer = every(200, () => (res.destroyed ? clearInterval(timer) : res.write(" ")));
        },
      }),
    });
    const client = clientFor(box.baseUrl, { timeouts: { requestMs: 1000, idleMs: 60_000 } });
    const { err, ms } = await timedRejection(client.uploadNewVersion(FILE_ID, data(PART), { retry: { ...FAST_RETRY, maxAttempts: 2 } }));
    expect(err).toMatchObject({ name: "BoxNetworkError", code: "ETIMEDOUT" });
    expect(box.received).toHaveLength(2);
    expect(ms).toBeGreaterThanOrEqual(1900);
    expect(ms).toBeLessThan(4000);
  });

  test("retry.deadlineMs bounds a try in progress: a silent server, deadlineMs 500, requestMs large", async () => {
    const box = await hostileBox({ before: () => NO_ANSWER });
    const client = clientFor(box.baseUrl, { timeouts: { requestMs: 60_000, idleMs: 60_000 } });
    const { err, ms } = await timedRejection(client.uploadNewVersion(FILE_ID, data(PART), { retry: { ...FAST_RETRY, maxAttempts: 5, deadlineMs: 500 } }));
    expect(err).toMatchObject({ name: "BoxNetworkError", code: "ETIMEDOUT" });
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(1500);
  });

  test("a commit that is never answered: the retry deadline ends it as CommitUncertainError, and the session is not aborted", async () => {
    const box = await hostileBox({ before: (ctx) => (ctx.route === "commit" ? NO_ANSWER : undefined) });
    const client = clientFor(box.baseUrl, { timeouts: { requestMs: 400, idleMs: 60_000 } });
    const { err, ms } = await timedRejection(client.uploadNewVersion(FILE_ID, data(2 * PART), { retry: { ...FAST_RETRY, maxAttempts: 2 } }));
    expect(err).toMatchObject({ name: "CommitUncertainError", reason: "answer-lost" });
    expect(ms).toBeLessThan(3000);
    expect(count(box, "commit")).toBe(2);
    expect(count(box, "abortSession")).toBe(0);
  });

  test("an abort while a commit hangs: CommitUncertainError 'aborted' at once, and the session is not aborted", async () => {
    const box = await hostileBox({ before: (ctx) => (ctx.route === "commit" ? NO_ANSWER : undefined) });
    const controller = new AbortController();
    const client = clientFor(box.baseUrl, { timeouts: { requestMs: 60_000, idleMs: 60_000 } });
    const settled = timedRejection(client.uploadNewVersion(FILE_ID, data(2 * PART), { signal: controller.signal, retry: FAST_RETRY }));
    await until(() => count(box, "commit") === 1, 5000, "the commit");
    const abortedAt = Date.now();
    controller.abort(new Error("test abort"));
    const { err } = await settled;
    expect(err).toMatchObject({ name: "CommitUncertainError", reason: "aborted" });
    expect(Date.now() - abortedAt).toBeLessThan(2000);
    expect(count(box, "abortSession")).toBe(0);
  });
});
