/**
 * Class 4: answers that cannot be read. A commit whose answer is unreadable may still have been
 * applied, so it ends as CommitUncertainError in the same run, with the session left alone (no
 * DELETE, no part sent again). Unreadable answers elsewhere are BoxProtocolError, never a bare
 * SyntaxError or RangeError, with the built-in transport and with a caller's fetch.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { timedRejection } from "../support/checks/rejection";
import { CHUNKED_ENV, FAST_RETRY, FILE_ID, PART, TOKEN, clientFor, count, data, hostileBox } from "../support/hostile";
import type { Fault, RequestContext } from "../support/localBox/server";
import { htmlAnswer, jsonAnswer } from "../support/localBox/rawFaults";
import { closeAll } from "../support/process/cleanup";
import { runCli } from "../support/process/cli";
import { inPlainNode } from "../support/process/jsonChild";
import { rawServer } from "../support/rawServer";
import { isRoute } from "../support/serverLog";

jest.setTimeout(15_000);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hostile-malformed-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(closeAll);

/** An HTML page (a proxy's error page) where Box's JSON should be: on session creation, or on part uploads. */
const htmlOn = (route: "createSession" | "uploadPart", status = 200) => (ctx: RequestContext) => (isRoute(ctx.route, route) ? htmlAnswer(status) : undefined);

describe("a commit whose answer cannot be read", () => {
  const cases: [string, (ctx: RequestContext) => Fault][] = [
    ["201 with an HTML body", () => htmlAnswer(201)],
    ["201 with truncated JSON", () => jsonAnswer(201, '{"entries":[{"id":"123","type":"fi')],
    ['201 with {"entries":[]}', () => jsonAnswer(201, { entries: [] })],
    ["201 with an empty body", () => jsonAnswer(201, "")],
    ["a 202 with an HTML body, then a dropped connection", (ctx) => (ctx.nth === 0 ? htmlAnswer(202) : "drop")],
  ];
  for (const [name, answer] of cases) {
    test(`${name}: CommitUncertainError in this run, no DELETE, no part sent again`, async () => {
      const box = await hostileBox({ before: (ctx) => (ctx.route === "commit" ? answer(ctx) : undefined) });
      const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(3 * PART), { retry: FAST_RETRY, commitWaitMs: 2000 }));
      expect(err).toMatchObject({ name: "CommitUncertainError", reason: "answer-lost" });
      expect(count(box, "abortSession")).toBe(0);
      expect(count(box, "uploadPart")).toBe(3);
      expect(count(box, "createSession")).toBe(1);
    });
  }

  test("a dropped connection on every commit: CommitUncertainError, no DELETE, one session", async () => {
    const box = await hostileBox({ before: (ctx) => (ctx.route === "commit" ? "drop" : undefined) });
    const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(3 * PART), { retry: FAST_RETRY }));
    expect(err).toMatchObject({ name: "CommitUncertainError", reason: "answer-lost" });
    expect(count(box, "abortSession")).toBe(0);
    expect(count(box, "createSession")).toBe(1);
  });
});

describe("unreadable answers elsewhere", () => {
  test("a create-session answering 200 with HTML: BoxProtocolError, not SyntaxError", async () => {
    const box = await hostileBox({ before: htmlOn("createSession") });
    const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(PART), { retry: FAST_RETRY }));
    expect(err.name).toBe("BoxProtocolError");
    expect(err).not.toBeInstanceOf(SyntaxError);
  });

  test("a create-session answering 200 with HTML through a caller's fetch: BoxProtocolError", async () => {
    const box = await hostileBox({ before: htmlOn("createSession") });
    const client = clientFor(box.baseUrl, { fetch: (r: Request) => globalThis.fetch(r) });
    const { err } = await timedRejection(client.uploadNewVersion(FILE_ID, data(PART), { retry: FAST_RETRY }));
    expect(err.name).toBe("BoxProtocolError");
  });

  for (const status of ["600 Weird", "099 Early", "1000 Huge"]) {
    test(`a status line "HTTP/1.1 ${status}": BoxProtocolError, not RangeError`, async () => {
      const server = await rawServer((socket) => {
        socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
      });
      const { err } = await timedRejection(clientFor(server.url).uploadNewVersion(FILE_ID, data(PART), { retry: FAST_RETRY }));
      expect(err.name).toBe("BoxProtocolError");
      expect(err).not.toBeInstanceOf(RangeError);
    });
  }

  test('a status line "HTTP/1.1 600 Weird" through a caller\'s fetch: BoxProtocolError, not RangeError', async () => {
    const server = await rawServer((socket) => {
      socket.end("HTTP/1.1 600 Weird\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
    });
    const client = clientFor(server.url, { fetch: (r: Request) => globalThis.fetch(r) });
    const { err } = await timedRejection(client.uploadNewVersion(FILE_ID, data(PART), { retry: FAST_RETRY }));
    expect(err.name).toBe("BoxProtocolError");
  });

  test("bytes that are not HTTP at all: BoxProtocolError", async () => {
    const server = await rawServer((socket) => socket.end("hello\r\n\r\n"));
    const { err } = await timedRejection(clientFor(server.url).uploadNewVersion(FILE_ID, data(PART), { retry: FAST_RETRY }));
    expect(err.name).toBe("BoxProtocolError");
    expect(server.requests).toBe(1);
  });

  test("a part acknowledgement that is HTML: BoxProtocolError, and the session is aborted", async () => {
    const box = await hostileBox({ before: htmlOn("uploadPart") });
    const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(PART), { retry: FAST_RETRY }));
    expect(err.name).toBe("BoxProtocolError");
    expect(count(box, "abortSession")).toBe(1);
  });

  test("the CLI exits 3 for a protocol error (create-session answering HTML)", async () => {
    const box = await hostileBox({ before: htmlOn("createSession") });
    const path = join(dir, "p.bin");
    await writeFile(path, data(PART));
    const r = await runCli(["version", FILE_ID, path, "--base-url", box.baseUrl, "--json"], { ...CHUNKED_ENV, BOX_ACCESS_TOKEN: TOKEN }).done;
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stderr)).toMatchObject({ error: { name: "BoxProtocolError" } });
  });

  test("the CLI exits 3 for bytes that are not HTTP", async () => {
    const server = await rawServer((socket) => socket.end("hello\r\n\r\n"));
    const path = join(dir, "q.bin");
    await writeFile(path, data(PART));
    const r = await runCli(["version", FILE_ID, path, "--base-url", server.url], { ...CHUNKED_ENV, BOX_ACCESS_TOKEN: TOKEN }).done;
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/BoxProtocolError/);
  });

  test("in a plain Node process (one realm, as in production) the same answers are BoxProtocolError too", async () => {
    const htmlBox = await hostileBox({ before: htmlOn("createSession") });
    const htmlAck = await hostileBox({ before: htmlOn("uploadPart") });
    const weird = await rawServer((socket) => socket.end("HTTP/1.1 600 Weird\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"));
    const names = await inPlainNode(
      `
      const out = [];
      for (const [url, viaFetch] of args.cases) {
        const client = new lib.BoxUploadClient({ token: args.token, baseUrl: url, ...(viaFetch ? { fetch: (r) => fetch(r) } : {}) });
        try {
          await client.uploadNewVersion(args.fileId, Buffer.alloc(100), { chunkedThreshold: 1, retry: { maxAttempts: 1 } });
          out.push("resolved");
        } catch (e) {
          out.push(e.name);
        }
        await client.close();
      }
      return out;`,
      { token: TOKEN, fileId: FILE_ID, cases: [[htmlBox.baseUrl, false], [htmlBox.baseUrl, true], [htmlAck.baseUrl, false], [htmlAck.baseUrl, true], [weird.url, false], [weird.url, true]] },
    );
    expect(names).toEqual(Array(6).fill("BoxProtocolError"));
  });
});
