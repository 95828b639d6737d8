/**
 * Class 6: pieces the caller supplies or the server names. A caller's fetch gets the same body
 * caps and the same no-redirect rule as the built-in transport; header values that could split a
 * header or fail at send time are refused as BoxInputError before any request; a session answer
 * that fails its checks is a BoxProtocolError, and the session it opened is aborted when it can be
 * named.
 */
import type { LocalBoxServer, RequestContext } from "../support/localBox/server";
import { jsonAnswer } from "../support/localBox/rawFaults";
import { timedRejection } from "../support/checks/rejection";
import { FAST_RETRY, FILE_ID, PART, clientFor, count, data, hostileBox } from "../support/hostile";
import { closeAll } from "../support/process/cleanup";
import { isRoute } from "../support/serverLog";
import { sha1 } from "../support/sha1";

jest.setTimeout(15_000);
afterEach(closeAll);

const viaFetch = { fetch: (r: Request) => globalThis.fetch(r) };
const BIG = 5 * 1024 * 1024;
const origin = (server: LocalBoxServer) => new URL(server.baseUrl).origin;
const isCreate = (ctx: RequestContext) => isRoute(ctx.route, "createSession");

describe("a caller's fetch", () => {
  test("a 5 MB success body is refused with BoxProtocolError", async () => {
    const box = await hostileBox({
      before: (ctx) => (isCreate(ctx) ? jsonAnswer(201, { id: "ABCDEF", type: "upload_session", part_size: PART, total_parts: 1, padding: "x".repeat(BIG) }) : undefined),
    });
    const { err } = await timedRejection(clientFor(box.baseUrl, viaFetch).uploadNewVersion(FILE_ID, data(PART), { retry: FAST_RETRY }));
    expect(err).toMatchObject({ name: "BoxProtocolError", message: expect.stringMatching(/response body over/) });
  });

  test("an endless success body is refused, not buffered (the call ends)", async () => {
    let written = 0;
    const box = await hostileBox({
      before: (ctx) =>
        isCreate(ctx)
          ? {
              raw: (_req, res) => {
                res.writeHead(201, { "content-type": "application/json" });
                res.write('{"padding":"');
                const chunk = Buffer.alloc(64 * 1024, 0x61);
                const pump = () => {
                  while (!res.destroyed && res.write(chunk)) written += chunk.length;
                };
                res.on("drain", pump);
                pump();
              },
            }
          : undefined,
    });
    const { err } = await timedRejection(clientFor(box.baseUrl, viaFetch).uploadNewVersion(FILE_ID, data(PART), { retry: FAST_RETRY }));
    expect(err).toMatchObject({ name: "BoxProtocolError", message: expect.stringMatching(/response body over/) });
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  for (const [name, extra] of [
    ["the built-in transport", {}],
    ["a caller's fetch", viaFetch],
  ] as const) {
    test(`a 307 redirect is not followed with ${name}: the other server receives nothing`, async () => {
      const other = await hostileBox();
      const box = await hostileBox({
        before: (ctx) => (isCreate(ctx) ? { raw: (_req, res) => res.writeHead(307, { location: `${origin(other)}${ctx.path}`, "content-length": "0" }).end() } : undefined),
      });
      const { err } = await timedRejection(clientFor(box.baseUrl, extra).uploadNewVersion(FILE_ID, data(PART), { retry: FAST_RETRY }));
      expect(err).toMatchObject({ name: "BoxApiError", status: 307 });
      expect(other.received).toHaveLength(0);
    });

    test(`a 308 redirect of a part upload (bytes and token) is not followed with ${name}`, async () => {
      const other = await hostileBox();
      const box = await hostileBox({
        before: (ctx) => (ctx.route === "uploadPart" ? { raw: (_req, res) => res.writeHead(308, { location: `${origin(other)}${ctx.path}`, "content-length": "0" }).end() } : undefined),
      });
      const { err } = await timedRejection(clientFor(box.baseUrl, extra).uploadNewVersion(FILE_ID, data(PART), { retry: FAST_RETRY }));
      expect(err).toMatchObject({ name: "BoxApiError", status: 308 });
      expect(other.received).toHaveLength(0);
    });
  }
});

describe("header values", () => {
  for (const ifMatch of ["a\r\nX-Evil: 1", "ü€", "tab\there", " padded "]) {
    test(`ifMatch ${JSON.stringify(ifMatch)} on an upload: BoxInputError before any request`, async () => {
      const box = await hostileBox();
      const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(PART), { ifMatch, retry: FAST_RETRY }));
      expect(err.name).toBe("BoxInputError");
      expect(box.received).toHaveLength(0);
    });
  }

  for (const ifMatch of ["a\r\nX-Evil: 1", "ü€"]) {
    test(`ifMatch ${JSON.stringify(ifMatch)} on commitUploadSession itself: BoxInputError before any request`, async () => {
      const box = await hostileBox();
      const parts = [{ part_id: "ABCD1234", offset: 0, size: PART, sha1: sha1(Buffer.alloc(PART)) }];
      const { err } = await timedRejection(clientFor(box.baseUrl).api.commitUploadSession("ABCDEF", { parts, sha1: sha1(Buffer.alloc(PART)), ifMatch }));
      expect(err.name).toBe("BoxInputError");
      expect(box.received).toHaveLength(0);
    });
  }

  test('userAgent "x\\r\\ny": BoxInputError at construction', () => {
    let thrown: unknown;
    try {
      clientFor("http://127.0.0.1:9", { userAgent: "x\r\ny" });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ name: "BoxInputError" });
  });

  test('userAgent "ü€": BoxInputError at construction', () => {
    expect(() => clientFor("http://127.0.0.1:9", { userAgent: "ü€" })).toThrow(expect.objectContaining({ name: "BoxInputError" }));
  });
});

describe("session answers that fail their checks", () => {
  test("a session id of ../x: BoxProtocolError (not BoxInputError), and nothing is sent to a path built from it", async () => {
    const box = await hostileBox({ sessionPatch: { id: "../x" } });
    const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(2 * PART), { retry: FAST_RETRY }));
    expect(err.name).toBe("BoxProtocolError");
    expect(box.received.map((r) => r.route)).toEqual(["createSessionExistingFile"]);
  });

  for (const [what, patch] of [
    ["total_parts inconsistent with part_size", { total_parts: 7 }],
    ["no part_size", { part_size: undefined }],
  ] as const) {
    test(`${what}: BoxProtocolError before any PUT, and the session is aborted (DELETE seen)`, async () => {
      const box = await hostileBox({ sessionPatch: patch });
      const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(2 * PART), { retry: FAST_RETRY }));
      expect(err.name).toBe("BoxProtocolError");
      expect(count(box, "uploadPart")).toBe(0);
      expect(count(box, "abortSession")).toBe(1);
      const sessionId = [...box.sessions.keys()][0];
      expect(box.received.find((r) => r.route === "abortSession")?.sessionId).toBe(sessionId);
    });
  }

  test("session_endpoints naming another local server: it receives nothing (no token, no bytes)", async () => {
    const other = await hostileBox();
    const id = "ABCDEF0123";
    const at = `${other.baseUrl}/files/upload_sessions/${id}`;
    const box = await hostileBox({
      sessionPatch: { id, session_endpoints: { upload_part: at, commit: `${at}/commit`, abort: at, list_parts: `${at}/parts`, status: at } },
    });
    const file = await clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(2 * PART), { retry: FAST_RETRY });
    expect(file).toMatchObject({ id: FILE_ID });
    expect(other.received).toHaveLength(0);
  });
});
