/**
 * Class 1: the token never reaches an error, a log or a terminal, whatever a server echoes back
 * and wherever it puts it; and a server's text cannot drive the terminal (ESC, CR, bidi).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { timedRejection } from "../support/checks/rejection";
import { expectNoSecret, formsOf } from "../support/checks/secrets";
import { CHUNKED_ENV, FAST_RETRY, FILE_ID, PART, TOKEN, clientFor, data, hostileBox } from "../support/hostile";
import type { LocalBoxServer, RequestContext } from "../support/localBox/server";
import { boxErrorAnswer, jsonAnswer } from "../support/localBox/rawFaults";
import { closeAll } from "../support/process/cleanup";
import { runCli } from "../support/process/cli";
import { isRoute } from "../support/serverLog";

jest.setTimeout(15_000);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hostile-tokens-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(closeAll);

const bearer = (ctx: RequestContext) => String(ctx.headers.authorization ?? "");
const rawToken = (ctx: RequestContext) => bearer(ctx).replace(/^Bearer /, "");
const offsetOf = (ctx: RequestContext) => Number(/^bytes (\d+)-/.exec(String(ctx.headers["content-range"]))?.[1]);
const isCreate = (ctx: RequestContext) => isRoute(ctx.route, "createSession");

describe("a server echoing the token", () => {
  test("into a part acknowledgement's sha1: the protocol error does not hold it", async () => {
    const box = await hostileBox({
      before: (ctx) => (ctx.route === "uploadPart" ? jsonAnswer(200, { part: { part_id: "ABCD1234", offset: offsetOf(ctx), size: ctx.body!.length, sha1: bearer(ctx) } }) : undefined),
    });
    const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(3 * PART), { retry: FAST_RETRY }));
    expect(err.name).toBe("BoxProtocolError");
    expect(err.message).toMatch(/acknowledged a different part.*\[redacted\]/);
    expectNoSecret(err, [TOKEN]);
  });

  test("into the committed file's sha1: the protocol error does not hold it", async () => {
    const box = await hostileBox({
      before: (ctx) => (ctx.route === "commit" ? jsonAnswer(201, { entries: [{ id: FILE_ID, type: "file", sha1: bearer(ctx), name: "x", size: 3 * PART }], total_count: 1 }) : undefined),
    });
    const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(3 * PART), { retry: FAST_RETRY }));
    expect(err.name).toBe("BoxProtocolError");
    expect(err.message).toContain("[redacted]");
    expectNoSecret(err, [TOKEN]);
  });

  test("into an error body's message, code, request_id, help_url and context_info", async () => {
    const box = await hostileBox({
      before: (ctx) =>
        isCreate(ctx)
          ? boxErrorAnswer(400, `bad_${rawToken(ctx)}`, `you sent ${bearer(ctx)}`, {
              request_id: rawToken(ctx),
              help_url: `https://example.com/?t=${encodeURIComponent(rawToken(ctx))}`,
              context_info: { header: bearer(ctx), nested: { list: [rawToken(ctx)] }, [rawToken(ctx)]: "as a key" },
            })
          : undefined,
    });
    const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(3 * PART), { retry: FAST_RETRY }));
    expect(err).toMatchObject({ name: "BoxApiError", status: 400 });
    expect(err.message).toContain("[redacted]");
    expectNoSecret(err, [TOKEN]);
  });

  test("as the session id, then failing a part: neither the URL nor the message holds it", async () => {
    const box = await hostileBox({
      sessionPatch: { id: TOKEN },
      before: (ctx) => (ctx.route === "uploadPart" ? boxErrorAnswer(400, "bad_request", "no") : undefined),
    });
    const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(3 * PART), { retry: FAST_RETRY }));
    expect(err).toMatchObject({ name: "BoxApiError", status: 400 });
    expect(err.message).toContain("/files/upload_sessions/[redacted]");
    expectNoSecret(err, [TOKEN]);
  });

  test("as the session id, then 202s until the wait runs out: the CommitUncertainError does not hold it", async () => {
    const box = await hostileBox({
      sessionPatch: { id: TOKEN },
      before: (ctx) => (ctx.route === "commit" ? jsonAnswer(202, "", { "retry-after": "0" }) : undefined),
    });
    const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(3 * PART), { retry: FAST_RETRY, commitWaitMs: 0 }));
    expect(err).toMatchObject({ name: "CommitUncertainError", reason: "still-processing" });
    expect(err.message).toContain("upload session [redacted]");
    expectNoSecret(err, [TOKEN]);
  });

  test('a token holding a " echoed inside JSON, raw and already escaped, is in no form in the error', async () => {
    const token = 'tok"en-1234';
    const box = await hostileBox({
      before: (ctx) =>
        isCreate(ctx)
          ? boxErrorAnswer(401, "unauthorized", `you sent ${bearer(ctx)} aka ${JSON.stringify(bearer(ctx))}`, {
              context_info: { raw: rawToken(ctx), escaped: JSON.stringify(rawToken(ctx)) },
            })
          : undefined,
    });
    expect(formsOf(token)).toContain('tok\\"en-1234');
    const { err } = await timedRejection(clientFor(box.baseUrl, { token }).uploadNewVersion(FILE_ID, data(3 * PART), { retry: FAST_RETRY }));
    expect(err).toMatchObject({ name: "BoxApiError", status: 401 });
    expect(err.message).toContain("[redacted]");
    expectNoSecret(err, [token]);
  });

  test("after a 401 and a refresh, a server echoing the OLD token (and the new one) does not get either into the error", async () => {
    const oldToken = "old-token-AAAA1111";
    const newToken = "new-token-BBBB2222";
    let asked = 0;
    const box = await hostileBox({
      before: (ctx) => {
        if (!isCreate(ctx)) return undefined;
        if (rawToken(ctx) === oldToken) return boxErrorAnswer(401, "unauthorized", `token ${oldToken} expired`);
        return boxErrorAnswer(403, "forbidden", `earlier you sent ${oldToken}, now ${bearer(ctx)}`, { context_info: { old: `Bearer ${oldToken}` } });
      },
    });
    const client = clientFor(box.baseUrl, { token: () => (asked++ === 0 ? oldToken : newToken) });
    const { err } = await timedRejection(client.uploadNewVersion(FILE_ID, data(3 * PART), { retry: FAST_RETRY }));
    expect(asked).toBe(2);
    expect(box.received.map((r) => r.headers.authorization)).toEqual([`Bearer ${oldToken}`, `Bearer ${newToken}`]);
    expect(err).toMatchObject({ name: "BoxApiError", status: 403 });
    expect(err.message).toMatch(/earlier you sent \[redacted\], now Bearer \[redacted\]/);
    expectNoSecret(err, [oldToken, newToken]);
  });
});

describe("control characters from a server", () => {
  test("ESC, CR and bidi overrides in an error body reach the message only as \\u escapes", async () => {
    const box = await hostileBox({
      before: (ctx) => (isCreate(ctx) ? boxErrorAnswer(400, "bad\u001b[31mcode", "clear\u001b[2J screen\rover\u202eexe.txt", { request_id: "r\u001b]0;title\u0007" }) : undefined),
    });
    const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(PART), { retry: FAST_RETRY }));
    expect(err.name).toBe("BoxApiError");
    for (const text of [err.message, String(err), err.stack ?? ""]) {
      expect(text).not.toMatch(/[\u001b\r\u0007\u202e]/);
    }
    expect(err.message).toContain("\\u001b[2J");
    expect(err.message).toContain("\\u000d");
  });
});

describe("the CLI", () => {
  async function file(size = 3 * PART): Promise<string> {
    const path = join(dir, `f-${Math.random().toString(36).slice(2)}.bin`);
    await writeFile(path, data(size));
    return path;
  }

  const echoOnCreate = (ctx: RequestContext) =>
    isCreate(ctx) ? boxErrorAnswer(400, "bad_request", `you sent ${bearer(ctx)} \u001b[2J`, { context_info: { header: bearer(ctx), raw: rawToken(ctx) } }) : undefined;

  test("--json against a server echoing the token: neither stdout nor stderr holds it; exit 3", async () => {
    const box = await hostileBox({ before: echoOnCreate });
    const r = await runCli(["version", FILE_ID, await file(), "--base-url", box.baseUrl, "--json"], { ...CHUNKED_ENV, BOX_ACCESS_TOKEN: TOKEN }).done;
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stderr)).toMatchObject({ error: { name: "BoxApiError", status: 400 } });
    for (const form of formsOf(TOKEN)) expect(r.stdout + r.stderr).not.toContain(form);
  });

  test("plain output against a server echoing the token: no token and no raw ESC on the terminal", async () => {
    const box = await hostileBox({ before: echoOnCreate });
    const r = await runCli(["version", FILE_ID, await file(), "--base-url", box.baseUrl], { ...CHUNKED_ENV, BOX_ACCESS_TOKEN: TOKEN }).done;
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/BoxApiError/);
    for (const form of formsOf(TOKEN)) expect(r.stdout + r.stderr).not.toContain(form);
    expect(r.stdout + r.stderr).not.toMatch(/\u001b/);
  });

  test('--json with a token holding a " echoed back: no form of it in the output', async () => {
    const token = 'cli"tok-5678';
    const box = await hostileBox({ before: echoOnCreate });
    const r = await runCli(["version", FILE_ID, await file(), "--base-url", box.baseUrl, "--json"], { ...CHUNKED_ENV, BOX_ACCESS_TOKEN: token }).done;
    expect(r.code).toBe(3);
    for (const form of formsOf(token)) expect(r.stdout + r.stderr).not.toContain(form);
  });

  /** A commit that succeeds (with the SHA-1 of the bytes `box` got) but puts the token (and a terminal escape) in every field it can. */
  const echoOnCommit = (ctx: RequestContext, box: LocalBoxServer) => {
    if (ctx.route !== "commit") return undefined;
    const evil = `${bearer(ctx)}\u001b[2J`;
    return jsonAnswer(201, { entries: [{ id: evil, type: "file", sha1: box.sessions.get(ctx.sessionId!)!.wholeSha1, name: evil, size: evil, etag: evil }], total_count: 1 });
  };

  test("a successful upload whose committed file echoes the token: not on stdout (--json)", async () => {
    const box: LocalBoxServer = await hostileBox({ before: (ctx) => echoOnCommit(ctx, box) });
    const r = await runCli(["version", FILE_ID, await file(), "--base-url", box.baseUrl, "--json"], { ...CHUNKED_ENV, BOX_ACCESS_TOKEN: TOKEN }).done;
    expect(r.code).toBe(0);
    for (const form of formsOf(TOKEN)) expect(r.stdout + r.stderr).not.toContain(form);
    expect(r.stdout + r.stderr).not.toMatch(/\u001b/);
  });

  test("a successful upload whose committed file echoes the token: not on the terminal (plain output)", async () => {
    const box: LocalBoxServer = await hostileBox({ before: (ctx) => echoOnCommit(ctx, box) });
    const r = await runCli(["version", FILE_ID, await file(), "--base-url", box.baseUrl], { ...CHUNKED_ENV, BOX_ACCESS_TOKEN: TOKEN }).done;
    expect(r.code).toBe(0);
    for (const form of formsOf(TOKEN)) expect(r.stdout + r.stderr).not.toContain(form);
    expect(r.stdout + r.stderr).not.toMatch(/\u001b/);
  });
});
