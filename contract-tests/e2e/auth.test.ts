/**
 * OAuth end to end, through the validating proxy: the CLI and the library getting their own tokens
 * from the local server's POST /oauth2/token (client credentials and rotating refresh tokens),
 * renewing them through an upload that outlives several of them, sharing one token request among
 * parts in flight, and never printing the client secret or a token.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BoxUploadClient } from "../../src";
import { startHarness, PART, type Harness } from "../support/harness";
import { defaultPartSize, errorBody, type BoxServerOptions, type RequestContext, type Route } from "../support/localBox/server";
import { bytesOf } from "../support/random";
import { sha1 } from "../support/sha1";
import { requestsTo, statusesOf } from "../support/serverLog";
import { runCli } from "../support/process/cli";

jest.setTimeout(90_000);

const MiB = 1024 * 1024;
/** Long and random, so finding it in any output means it leaked. */
const SECRET = `cs-${randomBytes(16).toString("hex")}`;
const APP = { clientId: "e2e-auth-app", clientSecret: SECRET, enterpriseId: "4242" };

interface Box {
  h: Harness;
  /** Base URLs through the validating proxy. */
  upload: string;
  api: string;
  /** Every access and refresh token the token endpoint handed out, in order. */
  issuedAccess: string[];
  issuedRefresh: string[];
  /** A per-test fault hook, run after the request is recorded. */
  before: ((ctx: RequestContext) => ReturnType<NonNullable<BoxServerOptions["before"]>>) | undefined;
}

async function startBox(options: BoxServerOptions = {}): Promise<Box> {
  const box = { issuedAccess: [] as string[], issuedRefresh: [] as string[], before: undefined } as unknown as Box;
  box.h = await startHarness({ oauthClients: [APP], ...options, before: (ctx) => box.before?.(ctx) });
  // Reads each token endpoint answer on its way out, to know every token issued.
  const tokens = box.h.server.tokens;
  const handle = tokens.handle.bind(tokens);
  tokens.handle = async (req) => {
    const reply = await handle(req);
    const body = (reply.body ?? {}) as { access_token?: unknown; refresh_token?: unknown };
    if (typeof body.access_token === "string") box.issuedAccess.push(body.access_token);
    if (typeof body.refresh_token === "string") box.issuedRefresh.push(body.refresh_token);
    return reply;
  };
  box.api = box.h.proxy.apiBaseUrl;
  box.upload = `${new URL(box.api).origin}/api/2.0`;
  return box;
}

/** Runs the built CLI, killed if it takes longer than a minute. */
const cli = (args: string[], env: NodeJS.ProcessEnv) => runCli(args, env, { timeoutMs: 60_000 }).done;

/** The requests the server received from index `since` on, and the bearer token each carried. */
function seenSince(box: Box, since: number): { route: Route; at: number; bearer: string | undefined }[] {
  return box.h.server.received.slice(since).map((r) => ({ route: r.route, at: r.at, bearer: /^Bearer (\S+)$/.exec(String(r.headers.authorization ?? ""))?.[1] }));
}

function expectNoneOf(texts: string[], secrets: string[]): void {
  for (const text of texts) {
    for (const secret of secrets) {
      if (text.includes(secret)) throw new Error(`a secret (${secret.slice(0, 6)}…) appears in the output: ${text.slice(0, 300)}`);
    }
  }
}

/** Each request answered 401 (other than the token endpoint) is followed by a successful token request. */
function expectEach401Renewed(box: Box, since = 0): void {
  const log = box.h.server.log.slice(since);
  log.forEach((r, i) => {
    if (r.route !== "oauthToken" && r.status === 401) {
      expect(log.slice(i + 1).some((later) => later.route === "oauthToken" && later.status === 200)).toBe(true);
    }
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "e2e-auth-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function localFile(name: string, size: number, seed = size): Promise<{ path: string; data: Buffer }> {
  const data = bytesOf(size, seed);
  const path = join(dir, name);
  await writeFile(path, data);
  return { path, data };
}

describe("client credentials, CLI", () => {
  const TTL = 2;
  let box: Box;
  beforeAll(async () => {
    // 8 MiB parts (Box's rule), Box's chunked minimum, and each part body read at 3 MiB/s: a 40 MB
    // upload two parts at a time takes about 7.5 s, several times a token's life of 2 s.
    box = await startBox({ tokenTtlSeconds: TTL, partSizeFor: defaultPartSize, minFileSize: 20_000_000, bytesPerSecond: 3 * MiB });
  });
  afterAll(async () => {
    await box.h.close();
  });
  afterEach(() => {
    expect(box.h.proxy.violations).toEqual([]);
  });

  test("a CLI upload runs for longer than a token's lifetime with client-credentials auth and completes", async () => {
    const size = 40_000_000;
    const { path, data } = await localFile("long.bin", size, 41);
    const file = box.h.server.addFile("long.bin", Buffer.from("v1"));
    const filesBefore = box.h.server.files.size;
    const env = { BOX_CLIENT_ID: APP.clientId, BOX_CLIENT_SECRET: SECRET, BOX_ENTERPRISE_ID: APP.enterpriseId, BOX_API_BASE_URL: box.api };
    const since = box.h.server.log.length;
    const arrived = box.h.server.received.length;

    const { code, stdout, stderr, ms } = await cli(["version", file.id, path, "--base-url", box.upload, "--json", "--concurrency", "2"], env);

    expect(stderr).toBe("");
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.file).toEqual(expect.objectContaining({ id: file.id, size, sha1: sha1(data) }));
    expect(out.parts).toBe(Math.ceil(size / (8 * MiB)));
    // Exactly one new version, no new file.
    expect(file.versions).toHaveLength(2);
    expect(file.versions[1]!.sha1).toBe(sha1(data));
    expect(box.h.server.files.size).toBe(filesBefore);
    expect(requestsTo(box.h.server, "commit", since).map((r) => r.status)).toEqual([201]);

    // The upload outlived several tokens: it ran for more than three lifetimes, and its requests
    // carried at least three different tokens, each got from the token endpoint.
    expect(ms).toBeGreaterThan(3 * TTL * 1000);
    const tokenStatuses = statusesOf(box.h.server, "oauthToken", since);
    expect(tokenStatuses.length).toBeGreaterThanOrEqual(3);
    expect(tokenStatuses.every((s) => s === 200)).toBe(true);
    const uploadRequests = seenSince(box, arrived).filter((s) => s.route !== "oauthToken");
    const used = new Set(uploadRequests.map((s) => s.bearer));
    expect(used.size).toBeGreaterThanOrEqual(3);
    for (const token of used) expect(box.issuedAccess).toContain(token);
    const uploadSpan = uploadRequests[uploadRequests.length - 1]!.at - uploadRequests[0]!.at;
    expect(uploadSpan).toBeGreaterThan(3 * TTL * 1000);
    // Renewed before expiry: no upload request was refused; had one been, a renewal must follow.
    const refused = box.h.server.log.slice(since).filter((r) => r.route !== "oauthToken" && r.status === 401);
    expect(refused).toEqual([]);
    expectEach401Renewed(box, since);

    expectNoneOf([stdout, stderr], [SECRET, ...box.issuedAccess]);
    console.log(
      `client credentials, TTL ${TTL} s: ${size} bytes in ${ms} ms, ${tokenStatuses.length} token requests, ${used.size} tokens used, ${refused.length} 401s`,
    );
  });
});

describe("client credentials, library", () => {
  let box: Box;
  beforeAll(async () => {
    box = await startBox();
  });
  afterAll(async () => {
    await box.h.close();
  });
  afterEach(() => {
    box.before = undefined;
    expect(box.h.proxy.violations).toEqual([]);
  });

  const clientFor = (b: Box) =>
    new BoxUploadClient({
      token: { clientCredentials: { clientId: APP.clientId, clientSecret: SECRET, enterpriseId: APP.enterpriseId } },
      baseUrl: b.upload,
      apiBaseUrl: b.api,
      uploadDefaults: { chunkedThreshold: 1 },
    });

  test("uploads a file of many parts with one token request, shared by every part in flight", async () => {
    const since = box.h.server.log.length;
    const arrived = box.h.server.received.length;
    const client = clientFor(box);
    try {
      const data = bytesOf(24 * PART + 5, 7);
      const created = await client.uploadNewFile("0", "lib-cc.bin", data, { concurrency: 8 });
      expect(created.sha1).toBe(sha1(data));
      expect(box.h.server.files.get(created.id!)!.versions).toHaveLength(1);
      // A second upload with the same client keeps the token too.
      const again = bytesOf(9 * PART, 8);
      const version = await client.uploadNewVersion(created.id!, again, { concurrency: 8 });
      expect(version.sha1).toBe(sha1(again));
      expect(box.h.server.files.get(created.id!)!.versions).toHaveLength(2);
    } finally {
      await client.close();
    }
    expect(requestsTo(box.h.server, "uploadPart", since)).toHaveLength(25 + 9);
    expect(statusesOf(box.h.server, "oauthToken", since)).toEqual([200]);
    const bearers = new Set(seenSince(box, arrived).filter((s) => s.route !== "oauthToken").map((s) => s.bearer));
    expect([...bearers]).toEqual([box.issuedAccess[box.issuedAccess.length - 1]]);
  });

  test("parts in flight refused with 401 together share one renewal", async () => {
    const concurrency = 4;
    const since = box.h.server.log.length;
    const arrived = box.h.server.received.length;
    // The first wave of parts (all sent with the first token) is held until all of it has
    // arrived, then refused at once: every part asks for a new token at about the same time.
    let stale: string | undefined;
    let held = 0;
    let release!: () => void;
    const allHeld = new Promise<void>((r) => (release = r));
    box.before = async (ctx) => {
      if (ctx.route !== "uploadPart") return undefined;
      const bearer = /^Bearer (\S+)$/.exec(String(ctx.headers.authorization ?? ""))?.[1];
      stale ??= bearer;
      if (bearer !== stale) return undefined;
      if (++held >= concurrency) release();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([allHeld, new Promise((r) => (timer = setTimeout(r, 3000)))]);
      clearTimeout(timer);
      return { status: 401, headers: { "www-authenticate": 'Bearer realm="Box", error="invalid_token"' }, body: errorBody(401, "unauthorized", "token revoked by the test") };
    };
    const client = clientFor(box);
    try {
      const data = bytesOf(12 * PART + 3, 9);
      const created = await client.uploadNewFile("0", "lib-401.bin", data, { concurrency });
      expect(created.sha1).toBe(sha1(data));
    } finally {
      await client.close();
    }
    expect(held).toBe(concurrency);
    expect(statusesOf(box.h.server, "uploadPart", since).filter((s) => s === 401)).toHaveLength(concurrency);
    // One token for the start, one renewal for the whole wave.
    expect(statusesOf(box.h.server, "oauthToken", since)).toEqual([200, 200]);
    expectEach401Renewed(box, since);
    const partBearers = new Set(seenSince(box, arrived).filter((s) => s.route === "uploadPart").map((s) => s.bearer));
    expect(partBearers.size).toBe(2);
  });
});

describe("refresh tokens, CLI", () => {
  let box: Box;
  beforeAll(async () => {
    box = await startBox();
  });
  afterAll(async () => {
    await box.h.close();
  });
  afterEach(() => {
    expect(box.h.proxy.violations).toEqual([]);
  });

  const envFor = (tokenFile: string) => ({
    BOX_CLIENT_ID: APP.clientId,
    BOX_CLIENT_SECRET: SECRET,
    BOX_REFRESH_TOKEN_FILE: tokenFile,
    BOX_API_BASE_URL: box.api,
    BOX_CHUNKED_THRESHOLD: "1",
  });

  test("the token file is rewritten with the rotated token, mode 0600, and the next run works with it", async () => {
    const tokenDir = await mkdtemp(join(dir, "rt-"));
    const tokenFile = join(tokenDir, "refresh-token");
    const first = box.h.server.issueRefreshToken();
    await writeFile(tokenFile, `${first}\n`, { mode: 0o644 });
    const { path, data } = await localFile("rt.bin", 5 * PART + 1, 11);
    const since = box.h.server.log.length;

    const one = await cli(["new", "0", path, "--name", "rt.bin", "--base-url", box.upload, "--json"], envFor(tokenFile));
    expect(one.stderr).toBe("");
    expect(one.code).toBe(0);
    const created = JSON.parse(one.stdout).file;
    expect(created.sha1).toBe(sha1(data));
    const second = (await readFile(tokenFile, "utf8")).trim();
    expect(second).not.toBe(first);
    expect(second).toBe(box.issuedRefresh[box.issuedRefresh.length - 1]);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect(await readdir(tokenDir)).toEqual(["refresh-token"]);
    expect(statusesOf(box.h.server, "oauthToken", since)).toEqual([200]);

    // The first token is spent: the server refuses it now.
    const reused = await fetch(`${new URL(box.api).origin}/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", client_id: APP.clientId, client_secret: SECRET, refresh_token: first }).toString(),
    });
    expect(reused.status).toBe(400);
    expect(((await reused.json()) as { error: string }).error).toBe("invalid_grant");

    // The second run reads the rotated token and rotates it again.
    const next = bytesOf(3 * PART, 12);
    await writeFile(path, next);
    const two = await cli(["version", created.id, path, "--base-url", box.upload, "--json"], envFor(tokenFile));
    expect(two.stderr).toBe("");
    expect(two.code).toBe(0);
    expect(JSON.parse(two.stdout).file.sha1).toBe(sha1(next));
    expect(box.h.server.files.get(created.id)!.versions).toHaveLength(2);
    const third = (await readFile(tokenFile, "utf8")).trim();
    expect([first, second]).not.toContain(third);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect(await readdir(tokenDir)).toEqual(["refresh-token"]);

    expectNoneOf([one.stdout, one.stderr, two.stdout, two.stderr], [SECRET, first, second, third, ...box.issuedAccess]);
  });

  test("a spent refresh token: exit 3, invalid_grant, the file left as it was, nothing uploaded", async () => {
    const tokenDir = await mkdtemp(join(dir, "rt-spent-"));
    const tokenFile = join(tokenDir, "refresh-token");
    const spentToken = box.h.server.issueRefreshToken();
    const reply = await fetch(`${new URL(box.api).origin}/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", client_id: APP.clientId, client_secret: SECRET, refresh_token: spentToken }).toString(),
    });
    expect(reply.status).toBe(200);
    await writeFile(tokenFile, `${spentToken}\n`, { mode: 0o600 });
    const { path } = await localFile("spent.bin", 2 * PART, 13);
    const since = box.h.server.log.length;

    const { code, stdout, stderr } = await cli(["new", "0", path, "--base-url", box.upload, "--json"], envFor(tokenFile));
    expect(code).toBe(3);
    expect(stdout).toBe("");
    expect(JSON.parse(stderr).error).toEqual(expect.objectContaining({ name: "BoxApiError", status: 400, code: "invalid_grant" }));
    expect((await readFile(tokenFile, "utf8")).trim()).toBe(spentToken);
    expect(box.h.server.log.slice(since).map((r) => r.route)).toEqual(["oauthToken"]);
    expectNoneOf([stdout, stderr], [SECRET, spentToken]);
  });
});

describe("refresh tokens with short-lived access tokens, CLI", () => {
  let box: Box;
  beforeAll(async () => {
    // A 1 s token life: the client renews at half of it (the margin never exceeds half a life), so
    // an upload whose answers each take 300 ms rotates the refresh token several times.
    box = await startBox({ tokenTtlSeconds: 1, latencyMs: 300 });
  });
  afterAll(async () => {
    await box.h.close();
  });
  afterEach(() => {
    expect(box.h.proxy.violations).toEqual([]);
  });

  test("many rotations in one run, parts in flight: the file ends with the last token issued, and it works", async () => {
    const tokenDir = await mkdtemp(join(dir, "rt-many-"));
    const tokenFile = join(tokenDir, "refresh-token");
    await writeFile(tokenFile, `${box.h.server.issueRefreshToken()}\n`, { mode: 0o600 });
    const env = { BOX_CLIENT_ID: APP.clientId, BOX_CLIENT_SECRET: SECRET, BOX_REFRESH_TOKEN_FILE: tokenFile, BOX_API_BASE_URL: box.api, BOX_CHUNKED_THRESHOLD: "1" };
    const { path, data } = await localFile("rt-many.bin", 16 * PART + 9, 15);
    const since = box.h.server.log.length;

    const one = await cli(["new", "0", path, "--base-url", box.upload, "--json", "--concurrency", "4"], env);
    expect(one.stderr).toBe("");
    expect(one.code).toBe(0);
    const created = JSON.parse(one.stdout).file;
    expect(created.sha1).toBe(sha1(data));
    const rotations = statusesOf(box.h.server, "oauthToken", since);
    expect(rotations.length).toBeGreaterThan(2);
    expect(rotations.every((s) => s === 200)).toBe(true);
    // Written in the order issued: the file holds the newest, the only one still valid.
    expect((await readFile(tokenFile, "utf8")).trim()).toBe(box.issuedRefresh[box.issuedRefresh.length - 1]);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect(await readdir(tokenDir)).toEqual(["refresh-token"]);

    const two = await cli(["version", created.id, path, "--base-url", box.upload, "--json", "--concurrency", "4"], env);
    expect(two.stderr).toBe("");
    expect(two.code).toBe(0);
    expect((await readFile(tokenFile, "utf8")).trim()).toBe(box.issuedRefresh[box.issuedRefresh.length - 1]);
    expectNoneOf([one.stdout, one.stderr, two.stdout, two.stderr], [SECRET, ...box.issuedRefresh, ...box.issuedAccess]);
    const requests = box.h.server.log.slice(since).filter((r) => r.route !== "oauthToken").length;
    console.log(`refresh token, TTL 1 s: ${requests} API requests, ${statusesOf(box.h.server, "oauthToken", since).length} token requests over two runs`);
  });
});

describe("credential errors, CLI", () => {
  let box: Box;
  let path: string;
  beforeAll(async () => {
    box = await startBox();
    ({ path } = await localFile("err.bin", 2 * PART, 14));
  });
  afterAll(async () => {
    await box.h.close();
  });
  afterEach(() => {
    expect(box.h.proxy.violations).toEqual([]);
  });

  test("a wrong client secret: exit 3 with a JSON error that does not hold the secret; nothing uploaded", async () => {
    const wrong = `wrong-${randomBytes(16).toString("hex")}`;
    const env = { BOX_CLIENT_ID: APP.clientId, BOX_CLIENT_SECRET: wrong, BOX_ENTERPRISE_ID: APP.enterpriseId, BOX_API_BASE_URL: box.api, BOX_CHUNKED_THRESHOLD: "1" };
    const since = box.h.server.log.length;
    const json = await cli(["new", "0", path, "--base-url", box.upload, "--json"], env);
    expect(json.code).toBe(3);
    expect(json.stdout).toBe("");
    const err = JSON.parse(json.stderr).error;
    expect(err).toEqual(expect.objectContaining({ name: "BoxApiError", status: 400, code: "invalid_client" }));
    expectNoneOf([json.stdout, json.stderr], [wrong, SECRET]);
    // Plain output, one line per request: no secret there either.
    const plain = await cli(["new", "0", path, "--base-url", box.upload, "--verbose"], env);
    expect(plain.code).toBe(3);
    expect(plain.stderr).toMatch(/BoxApiError/);
    expectNoneOf([plain.stdout, plain.stderr], [wrong, SECRET]);
    expect(box.h.server.log.slice(since).map((r) => `${r.route} ${r.status}`)).toEqual(["oauthToken 400", "oauthToken 400"]);
  });

  test("an enterprise the app may not act for: exit 3, invalid_grant", async () => {
    const env = { BOX_CLIENT_ID: APP.clientId, BOX_CLIENT_SECRET: SECRET, BOX_ENTERPRISE_ID: "999", BOX_API_BASE_URL: box.api, BOX_CHUNKED_THRESHOLD: "1" };
    const { code, stdout, stderr } = await cli(["new", "0", path, "--base-url", box.upload, "--json"], env);
    expect(code).toBe(3);
    expect(JSON.parse(stderr).error).toEqual(expect.objectContaining({ name: "BoxApiError", status: 400, code: "invalid_grant" }));
    expectNoneOf([stdout, stderr], [SECRET]);
  });

  const VARIABLES = ["BOX_ACCESS_TOKEN", "BOX_CLIENT_ID", "BOX_CLIENT_SECRET", "BOX_ENTERPRISE_ID", "BOX_USER_ID", "BOX_REFRESH_TOKEN_FILE"];

  test("no credentials at all: exit 2 with a message naming the variables, and no request sent", async () => {
    const since = box.h.server.log.length;
    const plain = await cli(["new", "0", path, "--base-url", box.upload], { BOX_API_BASE_URL: box.api });
    expect(plain.code).toBe(2);
    expect(plain.stdout).toBe("");
    for (const name of VARIABLES) expect(plain.stderr).toContain(name);
    const json = await cli(["new", "0", path, "--base-url", box.upload, "--json"], { BOX_API_BASE_URL: box.api });
    expect(json.code).toBe(2);
    const err = JSON.parse(json.stderr).error;
    for (const name of VARIABLES) expect(err.message).toContain(name);
    expect(box.h.server.log.length).toBe(since);
  });

  test("a client ID and secret without a subject or a refresh token file: exit 2, the secret not shown", async () => {
    const since = box.h.server.log.length;
    const { code, stdout, stderr } = await cli(["new", "0", path, "--base-url", box.upload, "--json"], {
      BOX_CLIENT_ID: APP.clientId,
      BOX_CLIENT_SECRET: SECRET,
      BOX_API_BASE_URL: box.api,
    });
    expect(code).toBe(2);
    expect(stdout).toBe("");
    const err = JSON.parse(stderr).error;
    for (const name of ["BOX_ENTERPRISE_ID", "BOX_USER_ID", "BOX_REFRESH_TOKEN_FILE"]) expect(err.message).toContain(name);
    expectNoneOf([stdout, stderr], [SECRET]);
    expect(box.h.server.log.length).toBe(since);
  });
});
