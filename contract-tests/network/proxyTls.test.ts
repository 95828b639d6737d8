/**
 * Proxies and TLS, end to end: real uploads, each in a child process started with the environment
 * a user would set (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, NODE_EXTRA_CA_CERTS) and nothing inherited,
 * to the local Box server over HTTPS with a throwaway certificate, through a proxy this test starts
 * (the `proxy` package, with a log of every request it got).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProxy } from "proxy";
import { generate } from "selfsigned";
import { DEFAULT_TOKEN, LocalBoxServer } from "../support/localBox/server";
import { PART } from "../support/harness";
import { UPLOAD_CHILD } from "../support/paths";
import { runJsonChild } from "../support/process/jsonChild";

/** Three parts of the server's 256 KiB, the last one short. */
const SIZE = 2 * PART + 1000;

interface Seen {
  method: string;
  target: string;
  headers: IncomingHttpHeaders;
}

interface Proxy {
  port: number;
  seen: Seen[];
  stop(): Promise<void>;
}

/**
 * A forward proxy on loopback that logs the method, target and headers of everything it is asked;
 * over TLS with `tls`.
 */
async function startProxy(authenticate?: (req: IncomingMessage) => boolean, tls?: { key: string; cert: string }): Promise<Proxy> {
  const seen: Seen[] = [];
  const server = createProxy(tls ? (createTlsServer(tls) as unknown as Server) : createServer());
  if (authenticate) server.authenticate = authenticate;
  const record = (req: IncomingMessage) => seen.push({ method: req.method ?? "", target: req.url ?? "", headers: req.headers });
  server.prependListener("request", record);
  server.prependListener("connect", record);
  return { port: await listen(server), seen, stop: () => close(server) };
}

async function listen(server: Server | TcpServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server | TcpServer): Promise<void> {
  if ("closeAllConnections" in server) server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

type ChildResult =
  | { ok: true; sha1: string; localSha1: string }
  | { ok: false; name: string; typed: boolean; status?: number; code?: string; codes: unknown[]; message: string; inspected: string };

interface ChildRun {
  result: ChildResult;
  stdout: string;
  stderr: string;
}

let uploads = 0;

/**
 * Uploads SIZE bytes as a new file to `baseUrl` from a child whose whole environment is PATH and
 * `env`, in one try, so that failures show at once.
 */
async function upload(baseUrl: string, env: Record<string, string>, clientOptions: object = {}): Promise<ChildRun> {
  const config = { baseUrl, token: DEFAULT_TOKEN, size: SIZE, name: `upload-${++uploads}.bin`, options: { retry: { maxAttempts: 1 } }, clientOptions };
  const { value, stdout, stderr } = await runJsonChild<ChildResult>(UPLOAD_CHILD, [JSON.stringify(config)], { env, cleanEnv: true, stderr: "pipe", timeoutMs: 30_000 });
  return { result: value, stdout, stderr };
}

function expectCommitted(run: ChildRun): void {
  if (!run.result.ok) throw new Error(`the upload failed: ${run.result.inspected}`);
  expect(run.result.sha1).toBe(run.result.localSha1);
}

function expectFailed(run: ChildRun): Extract<ChildResult, { ok: false }> {
  expect(run.result.ok).toBe(false);
  if (run.result.ok) throw new Error("the upload went through");
  return run.result;
}

let dir: string;
let tlsServer: LocalBoxServer;
let caFile: string;
let tlsPort: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "network-"));
  tlsServer = new LocalBoxServer({ minFileSize: 1, partSizeFor: () => PART });
  await tlsServer.start(0, { tls: true });
  tlsPort = new URL(tlsServer.baseUrl).port;
  caFile = join(dir, "ca.pem");
  await writeFile(caFile, tlsServer.caPem!);
});

afterAll(async () => {
  await tlsServer.stop();
  await rm(dir, { recursive: true, force: true });
});

let proxy: Proxy;
beforeEach(async () => {
  proxy = await startProxy();
  tlsServer.log.length = 0;
});
afterEach(() => proxy.stop());

describe("HTTPS through HTTPS_PROXY", () => {
  test("the upload completes, and the proxy sees only CONNECT tunnels to the server, without the token", async () => {
    expect(tlsServer.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/api\/2\.0$/);
    const run = await upload(tlsServer.baseUrl, { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, NODE_EXTRA_CA_CERTS: caFile });
    expectCommitted(run);
    expect(proxy.seen.length).toBeGreaterThan(0);
    for (const seen of proxy.seen) {
      expect(seen.method).toBe("CONNECT");
      expect(seen.target).toBe(`127.0.0.1:${tlsPort}`);
      expect(seen.headers.authorization).toBeUndefined();
      expect(JSON.stringify(seen.headers)).not.toContain(DEFAULT_TOKEN);
    }
    // Kept alive: fewer tunnels than requests (a session, three parts, a commit).
    expect(tlsServer.log.length).toBeGreaterThanOrEqual(5);
    expect(proxy.seen.length).toBeLessThan(tlsServer.log.length);
  });

  test("the lower-case https_proxy works the same", async () => {
    const run = await upload(tlsServer.baseUrl, { https_proxy: `http://127.0.0.1:${proxy.port}`, NODE_EXTRA_CA_CERTS: caFile });
    expectCommitted(run);
    expect(proxy.seen.map((s) => s.method)).toContain("CONNECT");
  });

  test("an https:// proxy works too, its certificate trusted through the same NODE_EXTRA_CA_CERTS file", async () => {
    // A subject of its own: the trust store finds issuers by name.
    const pems = await generate([{ name: "commonName", value: "local test proxy" }], {
      keyType: "ec",
      algorithm: "sha256",
      extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
    });
    const tlsProxy = await startProxy(undefined, { key: pems.private, cert: pems.cert });
    const both = join(dir, "both.pem");
    await writeFile(both, `${tlsServer.caPem!}\n${pems.cert}`);
    try {
      const run = await upload(tlsServer.baseUrl, { HTTPS_PROXY: `https://127.0.0.1:${tlsProxy.port}`, NODE_EXTRA_CA_CERTS: both });
      expectCommitted(run);
      expect(tlsProxy.seen.length).toBeGreaterThan(0);
      for (const seen of tlsProxy.seen) expect(seen).toMatchObject({ method: "CONNECT", target: `127.0.0.1:${tlsPort}` });
      // The proxy's own certificate is checked as well.
      const untrusted = expectFailed(await upload(tlsServer.baseUrl, { HTTPS_PROXY: `https://127.0.0.1:${tlsProxy.port}`, NODE_EXTRA_CA_CERTS: caFile }));
      expect(untrusted.codes).toContain("DEPTH_ZERO_SELF_SIGNED_CERT");
    } finally {
      await tlsProxy.stop();
    }
  });

  test("NO_PROXY naming the host bypasses the proxy, and the extra CA is trusted directly too", async () => {
    const run = await upload(tlsServer.baseUrl, { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, NO_PROXY: "127.0.0.1", NODE_EXTRA_CA_CERTS: caFile });
    expectCommitted(run);
    expect(proxy.seen).toEqual([]);
    expect(tlsServer.log.length).toBeGreaterThanOrEqual(5);
  });
});

describe("HTTP through HTTP_PROXY", () => {
  test("an http:// target is asked of the proxy as absolute-URI requests", async () => {
    const plain = new LocalBoxServer({ minFileSize: 1, partSizeFor: () => PART });
    await plain.start();
    try {
      const origin = new URL(plain.baseUrl).origin;
      const run = await upload(plain.baseUrl, { HTTP_PROXY: `http://127.0.0.1:${proxy.port}` });
      expectCommitted(run);
      expect(proxy.seen.length).toBe(plain.log.length);
      for (const seen of proxy.seen) {
        expect(seen.method).not.toBe("CONNECT");
        expect(seen.target.startsWith(`${origin}/api/2.0/`)).toBe(true);
      }
      expect(proxy.seen.map((s) => s.method)).toEqual(expect.arrayContaining(["POST", "PUT"]));
    } finally {
      await plain.stop();
    }
  });
});

describe("certificate checks are never skipped", () => {
  test.each([
    ["directly", {}],
    ["through the proxy", { through: true }],
  ])("without NODE_EXTRA_CA_CERTS the upload fails %s, and the server gets no request", async (_how, { through }: { through?: boolean }) => {
    const env: Record<string, string> = through ? { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` } : {};
    const failure = expectFailed(await upload(tlsServer.baseUrl, env));
    expect(failure.codes).toContain("DEPTH_ZERO_SELF_SIGNED_CERT");
    expect(tlsServer.log).toEqual([]);
    if (through) expect(proxy.seen.every((s) => s.method === "CONNECT")).toBe(true);
  });

  // Node's own error (code DEPTH_ZERO_SELF_SIGNED_CERT) becomes BoxNetworkError with that code.
  test("a certificate Node does not trust ends as one of our typed errors", async () => {
    const failure = expectFailed(await upload(tlsServer.baseUrl, {}));
    expect(failure.typed).toBe(true);
  });
});

describe("proxy credentials", () => {
  const USER = "proxyuser";
  const SECRET = "s3cret-pr0xy-pass";
  const basic = `Basic ${Buffer.from(`${USER}:${SECRET}`).toString("base64")}`;

  function expectNoSecret(run: ChildRun): void {
    for (const text of [run.stdout, run.stderr]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(basic.slice("Basic ".length));
    }
  }

  test("go to the proxy only, and a 407 quotes none of them", async () => {
    const refusing = await startProxy(() => false);
    try {
      const run = await upload(tlsServer.baseUrl, { HTTPS_PROXY: `http://${USER}:${SECRET}@127.0.0.1:${refusing.port}`, NODE_EXTRA_CA_CERTS: caFile });
      const failure = expectFailed(run);
      expect(failure).toMatchObject({ typed: true, name: "BoxApiError", status: 407 });
      expectNoSecret(run);
      expect(refusing.seen.length).toBeGreaterThan(0);
      for (const seen of refusing.seen) expect(seen).toMatchObject({ method: "CONNECT", headers: { "proxy-authorization": basic } });
      expect(tlsServer.log).toEqual([]);
    } finally {
      await refusing.stop();
    }
  });

  test("that the proxy accepts let the upload through", async () => {
    const checking = await startProxy((req) => req.headers["proxy-authorization"] === basic);
    try {
      const run = await upload(tlsServer.baseUrl, { HTTPS_PROXY: `http://${USER}:${SECRET}@127.0.0.1:${checking.port}`, NODE_EXTRA_CA_CERTS: caFile });
      expectCommitted(run);
      expect(checking.seen.every((s) => s.method === "CONNECT")).toBe(true);
    } finally {
      await checking.stop();
    }
  });

  test.each([
    ["a proxy URL that does not parse", `http://${USER}:${SECRET}@[127.0.0.1`],
    ["a SOCKS proxy", `socks5://${USER}:${SECRET}@127.0.0.1:1080`],
  ])("%s is a BoxInputError naming the variable, not the URL", async (_what, value) => {
    const run = await upload(tlsServer.baseUrl, { HTTPS_PROXY: value, NODE_EXTRA_CA_CERTS: caFile });
    const failure = expectFailed(run);
    expect(failure).toMatchObject({ typed: true, name: "BoxInputError" });
    expect(failure.message).toMatch(/^HTTPS_PROXY: /);
    expectNoSecret(run);
    expect(tlsServer.log).toEqual([]);
  });

  test("a proxy that hangs up before answering CONNECT is a BoxNetworkError ECONNREFUSED naming it without them", async () => {
    const rude = createTcpServer((socket: Socket) => socket.once("data", () => socket.destroy()));
    const port = await listen(rude);
    try {
      const run = await upload(tlsServer.baseUrl, { HTTPS_PROXY: `http://${USER}:${SECRET}@127.0.0.1:${port}`, NODE_EXTRA_CA_CERTS: caFile });
      const failure = expectFailed(run);
      expect(failure).toMatchObject({ typed: true, name: "BoxNetworkError", code: "ECONNREFUSED" });
      expect(failure.message).toContain(`the proxy at http://127.0.0.1:${port} closed the connection`);
      expectNoSecret(run);
    } finally {
      await close(rude);
    }
  });

  test("a proxy that never answers CONNECT is given up after timeouts.idleMs", async () => {
    const held: Socket[] = [];
    const silent = createTcpServer((socket: Socket) => void held.push(socket));
    const port = await listen(silent);
    try {
      const started = Date.now();
      const run = await upload(
        tlsServer.baseUrl,
        { HTTPS_PROXY: `http://${USER}:${SECRET}@127.0.0.1:${port}`, NODE_EXTRA_CA_CERTS: caFile },
        { timeouts: { idleMs: 500 } },
      );
      const failure = expectFailed(run);
      expect(failure).toMatchObject({ typed: true, name: "BoxNetworkError", code: "ETIMEDOUT" });
      expect(Date.now() - started).toBeLessThan(10_000);
      expectNoSecret(run);
    } finally {
      for (const socket of held) socket.destroy();
      await close(silent);
    }
  });
});
