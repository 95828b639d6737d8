/**
 * Class 6: pieces the caller supplies or the server names. A caller's fetch gets the same body
 * caps and the same no-redirect rule as the built-in transport; header values that could split a
 * header or fail at send time are refused as BoxInputError before any request; a session answer
 * that fails its checks is a BoxProtocolError, and the session it opened is aborted when it can be
 * named.
 */
import { FAST_RETRY, PART, clientFor, closeAll, data, fakeBox, json, sha1Hex, timedRejection } from "./support";

jest.setTimeout(15_000);
afterEach(closeAll);

const viaFetch = { fetch: (r: Request) => globalThis.fetch(r) };
const BIG = 5 * 1024 * 1024;

describe("a caller's fetch", () => {
  test("a 5 MB success body is refused with BoxProtocolError", async () => {
    const box = await fakeBox((ctx) => {
      if (ctx.route !== "createSession") return false;
      json(ctx.res, 201, { id: "ABCDEF", type: "upload_session", part_size: PART, total_parts: 1, padding: "x".repeat(BIG) });
      return true;
    });
    const { err } = await timedRejection(clientFor(box.url, viaFetch).uploadNewVersion("123", data(PART), { retry: FAST_RETRY }));
    expect(err).toMatchObject({ name: "BoxProtocolError", message: expect.stringMatching(/response body over/) });
  });

  test("an endless success body is refused, not buffered (the call ends)", async () => {
    let written = 0;
    const box = await fakeBox((ctx) => {
      if (ctx.route !== "createSession") return false;
      ctx.res.writeHead(201, { "content-type": "application/json" });
      ctx.res.write('{"padding":"');
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = () => {
        while (!ctx.res.destroyed && ctx.res.write(chunk)) written += chunk.length;
      };
      ctx.res.on("drain", pump);
      pump();
      return true;
    });
    const { err } = await timedRejection(clientFor(box.url, viaFetch).uploadNewVersion("123", data(PART), { retry: FAST_RETRY }));
    expect(err).toMatchObject({ name: "BoxProtocolError", message: expect.stringMatching(/response body over/) });
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  for (const [name, extra] of [
    ["the built-in transport", {}],
    ["a caller's fetch", viaFetch],
  ] as const) {
    test(`a 307 redirect is not followed with ${name}: the other server receives nothing`, async () => {
      const other = await fakeBox();
      const box = await fakeBox((ctx) => {
        if (ctx.route !== "createSession") return false;
        ctx.res.writeHead(307, { location: `${other.url}${ctx.path}`, "content-length": "0" }).end();
        return true;
      });
      const { err } = await timedRejection(clientFor(box.url, extra).uploadNewVersion("123", data(PART), { retry: FAST_RETRY }));
      expect(err).toMatchObject({ name: "BoxApiError", status: 307 });
      expect(other.seen).toHaveLength(0);
    });

    test(`a 308 redirect of a part upload (bytes and token) is not followed with ${name}`, async () => {
      const other = await fakeBox();
      const box = await fakeBox((ctx) => {
        if (ctx.route !== "uploadPart") return false;
        ctx.res.writeHead(308, { location: `${other.url}${ctx.path}`, "content-length": "0" }).end();
        return true;
      });
      const { err } = await timedRejection(clientFor(box.url, extra).uploadNewVersion("123", data(PART), { retry: FAST_RETRY }));
      expect(err).toMatchObject({ name: "BoxApiError", status: 308 });
      expect(other.seen).toHaveLength(0);
    });
  }
});

describe("header values", () => {
  for (const ifMatch of ["a\r\nX-Evil: 1", "ü€", "tab\there", " padded "]) {
    test(`ifMatch ${JSON.stringify(ifMatch)} on an upload: BoxInputError before any request`, async () => {
      const box = await fakeBox();
      const { err } = await timedRejection(clientFor(box.url).uploadNewVersion("123", data(PART), { ifMatch, retry: FAST_RETRY }));
      expect(err.name).toBe("BoxInputError");
      expect(box.seen).toHaveLength(0);
    });
  }

  for (const ifMatch of ["a\r\nX-Evil: 1", "ü€"]) {
    test(`ifMatch ${JSON.stringify(ifMatch)} on commitUploadSession itself: BoxInputError before any request`, async () => {
      const box = await fakeBox();
      const parts = [{ part_id: "ABCD1234", offset: 0, size: PART, sha1: sha1Hex(Buffer.alloc(PART)) }];
      const { err } = await timedRejection(clientFor(box.url).commitUploadSession("ABCDEF", { parts, sha1: sha1Hex(Buffer.alloc(PART)), ifMatch }));
      expect(err.name).toBe("BoxInputError");
      expect(box.seen).toHaveLength(0);
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
    const box = await fakeBox();
    box.sessionPatch = { id: "../x" };
    const { err } = await timedRejection(clientFor(box.url).uploadNewVersion("123", data(2 * PART), { retry: FAST_RETRY }));
    expect(err.name).toBe("BoxProtocolError");
    expect(box.seen.map((s) => s.route)).toEqual(["createSession"]);
  });

  for (const [what, patch] of [
    ["total_parts inconsistent with part_size", { total_parts: 7 }],
    ["no part_size", { part_size: undefined }],
  ] as const) {
    test(`${what}: BoxProtocolError before any PUT, and the session is aborted (DELETE seen)`, async () => {
      const box = await fakeBox();
      box.sessionPatch = patch;
      const { err } = await timedRejection(clientFor(box.url).uploadNewVersion("123", data(2 * PART), { retry: FAST_RETRY }));
      expect(err.name).toBe("BoxProtocolError");
      expect(box.count("uploadPart")).toBe(0);
      expect(box.count("abort")).toBe(1);
      const sessionId = [...box.sessions.keys()][0];
      expect(box.seen.find((s) => s.route === "abort")?.sessionId).toBe(sessionId);
    });
  }

  test("session_endpoints naming another local server: it receives nothing (no token, no bytes)", async () => {
    const other = await fakeBox();
    const box = await fakeBox();
    const id = "ABCDEF0123";
    box.sessionPatch = {
      id,
      session_endpoints: {
        upload_part: `${other.url}/files/upload_sessions/${id}`,
        commit: `${other.url}/files/upload_sessions/${id}/commit`,
        abort: `${other.url}/files/upload_sessions/${id}`,
        list_parts: `${other.url}/files/upload_sessions/${id}/parts`,
        status: `${other.url}/files/upload_sessions/${id}`,
      },
    };
    const file = await clientFor(box.url).uploadNewVersion("123", data(2 * PART), { retry: FAST_RETRY });
    expect(file).toMatchObject({ id: "123" });
    expect(other.seen).toHaveLength(0);
  });
});
