/**
 * Small hostile servers for the tests in this folder: a stateful fake of Box's chunked-upload API
 * over node:http whose every answer a test can replace (or never send), raw TCP servers for bytes
 * that are not HTTP, and the checks the tests share (no token anywhere in an error, timing).
 * Everything listens on 127.0.0.1 port 0 and is closed by `closeAll()` in afterEach.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { join, resolve } from "node:path";
import { inspect } from "node:util";
import { BoxUploadClient } from "../../src";

export const ROOT = resolve(__dirname, "..", "..");
export const CLI = join(ROOT, "dist", "src", "cli", "main.js");
export const TOKEN = "hostile-secret-token-1234";
export const PART = 1024;

/** Retries that are quick but real: a few tries, millisecond backoff, a deadline well inside a test. */
export const FAST_RETRY = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 10_000 };

export type Route = "createSession" | "getSession" | "uploadPart" | "listParts" | "commit" | "abort" | "other";

export interface Seen {
  route: Route;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: Buffer;
  sessionId: string | undefined;
  /** When the request arrived (ms since the epoch). */
  at: number;
}

export interface Ctx extends Seen {
  req: IncomingMessage;
  res: ServerResponse;
  box: FakeBox;
  /** How many requests this route had seen before this one (0 for the first). */
  nth: number;
}

/**
 * Replaces the default answer: return true when the hook answered (or chose never to answer),
 * anything else to let the fake answer as Box would.
 */
export type Hook = (ctx: Ctx) => boolean | void | Promise<boolean | void>;

export interface SessionState {
  id: string;
  /** The create-session request's path (which file or folder) and when it arrived. */
  createPath: string;
  createdAt: number;
  size: number;
  partSize: number;
  parts: Map<number, { part_id: string; offset: number; size: number; sha1: string }>;
  bytes: Map<number, Buffer>;
  state: "open" | "committed" | "aborted";
}

const cleanups: (() => Promise<void>)[] = [];

/** Closes every server, socket and client opened by these helpers since the last call. */
export async function closeAll(): Promise<void> {
  const all = cleanups.splice(0).reverse();
  for (const close of all) await close().catch(() => undefined);
}

function closeHttp(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    });
}

export function sha1Hex(bytes: Uint8Array): string {
  return createHash("sha1").update(bytes).digest("hex");
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export function boxError(res: ServerResponse, status: number, code: string, message: string, extra: Record<string, unknown> = {}): void {
  json(res, status, { type: "error", status, code, message, request_id: "abc123", ...extra });
}

function classify(method: string, path: string): { route: Route; sessionId?: string } {
  let m: RegExpExecArray | null;
  if (method === "POST" && (/^\/files\/[^/]+\/upload_sessions$/.test(path) || path === "/files/upload_sessions")) return { route: "createSession" };
  if ((m = /^\/files\/upload_sessions\/([^/]+)\/parts$/.exec(path)) && method === "GET") return { route: "listParts", sessionId: m[1] };
  if ((m = /^\/files\/upload_sessions\/([^/]+)\/commit$/.exec(path)) && method === "POST") return { route: "commit", sessionId: m[1] };
  if ((m = /^\/files\/upload_sessions\/([^/]+)$/.exec(path))) {
    const route: Route = method === "PUT" ? "uploadPart" : method === "DELETE" ? "abort" : method === "GET" ? "getSession" : "other";
    return { route, sessionId: m[1] };
  }
  return { route: "other" };
}

export class FakeBox {
  readonly seen: Seen[] = [];
  readonly sessions = new Map<string, SessionState>();
  url = "";
  /** Replaces fields of every create-session answer (e.g. part_size 1, id "../x"). */
  sessionPatch: Record<string, unknown> = {};
  private server: Server;

  constructor(
    private readonly hook: Hook = () => false,
    readonly partSize = PART,
  ) {
    this.server = createServer((req, res) => void this.handle(req, res).catch(() => res.destroy()));
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    cleanups.push(closeHttp(this.server));
    return this;
  }

  count(route: Route): number {
    return this.seen.filter((s) => s.route === route).length;
  }

  sessionAnswer(s: SessionState): Record<string, unknown> {
    const base = `${this.url}/files/upload_sessions/${s.id}`;
    return {
      id: s.id,
      type: "upload_session",
      part_size: s.partSize,
      total_parts: Math.ceil(s.size / s.partSize),
      num_parts_processed: s.parts.size,
      session_expires_at: new Date(Date.now() + 86_400_000).toISOString(),
      session_endpoints: {
        upload_part: base,
        commit: `${base}/commit`,
        abort: base,
        list_parts: `${base}/parts`,
        status: base,
        log_event: `${base}/log`,
      },
      ...this.sessionPatch,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "http://x");
    const { route, sessionId } = classify(req.method ?? "", url.pathname);
    const seen: Seen = { route, method: req.method ?? "", path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks), sessionId, at: Date.now() };
    const nth = this.count(route);
    this.seen.push(seen);
    if (await this.hook({ ...seen, req, res, box: this, nth })) return;
    this.answer(seen, res);
  }

  /** What Box would answer. */
  answer(seen: Seen, res: ServerResponse): void {
    const session = seen.sessionId ? this.sessions.get(seen.sessionId) : undefined;
    switch (seen.route) {
      case "createSession": {
        const input = JSON.parse(seen.body.toString("utf8") || "{}") as { file_size?: number };
        const s: SessionState = {
          id: typeof this.sessionPatch.id === "string" ? this.sessionPatch.id : randomBytes(16).toString("hex").toUpperCase(),
          createPath: seen.path,
          createdAt: seen.at,
          size: input.file_size ?? 0,
          partSize: this.partSize,
          parts: new Map(),
          bytes: new Map(),
          state: "open",
        };
        this.sessions.set(s.id, s);
        return json(res, 201, this.sessionAnswer(s));
      }
      case "getSession":
        return session ? json(res, 200, this.sessionAnswer(session)) : boxError(res, 404, "not_found", "no such session");
      case "uploadPart": {
        if (!session || session.state !== "open") return boxError(res, 404, "not_found", "no such session");
        const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(seen.headers["content-range"] ?? ""));
        if (!m) return boxError(res, 416, "requested_range_not_satisfiable", "bad range");
        const offset = Number(m[1]);
        const part = { part_id: randomBytes(4).toString("hex").toUpperCase(), offset, size: seen.body.length, sha1: sha1Hex(seen.body) };
        session.parts.set(offset, part);
        session.bytes.set(offset, seen.body);
        return json(res, 200, { part });
      }
      case "listParts": {
        if (!session) return boxError(res, 404, "not_found", "no such session");
        const entries = [...session.parts.values()].sort((a, b) => a.offset - b.offset);
        const offset = Number(seen.query.get("offset") ?? 0);
        const limit = Number(seen.query.get("limit") ?? 100);
        return json(res, 200, { entries: entries.slice(offset, offset + limit), total_count: entries.length, limit, offset });
      }
      case "commit": {
        if (!session || session.state === "aborted") return boxError(res, 404, "not_found", "no such session");
        const whole = Buffer.concat([...session.bytes.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]));
        session.state = "committed";
        return json(res, 201, { entries: [{ id: "123", type: "file", sha1: sha1Hex(whole), name: "x.bin", size: whole.length }], total_count: 1 });
      }
      case "abort":
        if (session) session.state = "aborted";
        res.writeHead(204).end();
        return;
      default:
        return boxError(res, 404, "not_found", `no route for ${seen.method} ${seen.path}`);
    }
  }
}

export async function fakeBox(hook?: Hook, partSize?: number): Promise<FakeBox> {
  return new FakeBox(hook, partSize).start();
}

export interface RawServer {
  url: string;
  /** Connections accepted so far. */
  connections: number;
  /** Request heads received so far. */
  requests: number;
}

/**
 * A TCP server that reads each request head and hands the socket to `onRequest`, which writes
 * whatever bytes it likes (or none). Not HTTP unless the test makes it so.
 */
export async function rawServer(onRequest: (socket: Socket, head: string, n: number) => void): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const info: RawServer = { url: "", connections: 0, requests: 0 };
  const server = createNetServer((socket) => {
    info.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let buffered = "";
    socket.on("data", (d) => {
      buffered += d.toString("latin1");
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = buffered.slice(0, end);
      buffered = "";
      onRequest(socket, head, info.requests++);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  info.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const timers: NodeJS.Timeout[] = [];
  cleanups.push(
    () =>
      new Promise<void>((done) => {
        timers.forEach(clearInterval);
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  );
  return info;
}

/** A timer that closeAll() clears (for servers that trickle bytes). */
export function every(ms: number, fn: () => void): NodeJS.Timeout {
  const timer = setInterval(fn, ms);
  cleanups.push(async () => clearInterval(timer));
  return timer;
}

type ClientOptions = Record<string, unknown>;

/** Upload options that keep even a 1-byte file on the chunked path (see clientFor). */
export const CHUNKED: object = { chunkedThreshold: 1 };

/**
 * A client for `baseUrl` with short timeouts; closed by closeAll(). Options go in untyped so the
 * same test files also compile against older trees that lack some of them (they are then ignored).
 */
export function clientFor(baseUrl: string, extra: ClientOptions = {}): BoxUploadClient {
  const options = { token: TOKEN, baseUrl, timeouts: { requestMs: 3000, idleMs: 2000 }, ...extra };
  const client = new BoxUploadClient(options as unknown as ConstructorParameters<typeof BoxUploadClient>[0]);
  // These tests are about chunked sessions, with files of a few KiB: where the client sends small
  // files in one direct request, a threshold of 1 byte keeps them chunked (ignored where it does not).
  const version = client.uploadNewVersion.bind(client);
  const file = client.uploadNewFile.bind(client);
  client.uploadNewVersion = (fileId, source, opts) => version(fileId, source, { ...CHUNKED, ...opts });
  client.uploadNewFile = (folderId, name, source, opts) => file(folderId, name, source, { ...CHUNKED, ...opts });
  cleanups.push(() => client.close());
  return client;
}

export function data(size: number): Buffer {
  return randomBytes(size);
}

/** The rejection of `promise` and how long it took to arrive; fails when it resolves. */
export async function timedRejection(promise: Promise<unknown>): Promise<{ err: Error & Record<string, unknown>; ms: number }> {
  const started = Date.now();
  try {
    const value = await promise;
    throw new Error(`expected a rejection, got ${inspect(value)}`);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith("expected a rejection")) throw err;
    return { err: err as Error & Record<string, unknown>, ms: Date.now() - started };
  }
}

/** Every form in which an error could show a secret: text, stack, JSON, inspect, own fields, causes. */
export function renderings(err: unknown): string[] {
  const out: string[] = [inspect(err, { depth: 12, showHidden: true })];
  const seen = new Set<unknown>();
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && !seen.has(e) && depth < 12; depth++) {
    seen.add(e);
    out.push(String(e));
    if (typeof e === "object") {
      const o = e as Record<string, unknown>;
      out.push(String(o.message), String(o.stack));
      try {
        out.push(JSON.stringify(e));
      } catch {
        /* a cycle: inspect above covers it */
      }
      for (const key of Object.getOwnPropertyNames(o)) {
        try {
          out.push(`${key}=${typeof o[key] === "string" ? o[key] : JSON.stringify(o[key])}`);
        } catch {
          /* ignore */
        }
      }
      e = o.cause;
    } else break;
  }
  return out;
}

/** The token, and the forms it takes escaped in JSON or a URL. */
export function formsOf(secret: string): string[] {
  return [...new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])];
}

/** Fails with the offending rendering when any form of any secret appears anywhere in `err`. */
export function expectNoSecret(err: unknown, secrets: string[]): void {
  const found: string[] = [];
  for (const text of renderings(err)) {
    for (const secret of secrets) {
      for (const form of formsOf(secret)) {
        if (text.includes(form)) found.push(`${JSON.stringify(form)} in ${JSON.stringify(text.slice(0, 300))}`);
      }
    }
  }
  expect(found).toEqual([]);
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the built CLI with only PATH, BOX_CHUNKED_THRESHOLD and `env`; `child` is there to signal it. */
export function runCli(args: string[], env: Record<string, string> = {}) {
  const started = Date.now();
  // BOX_CHUNKED_THRESHOLD=1: the small test files go through chunked sessions (see clientFor).
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? "", BOX_CHUNKED_THRESHOLD: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const done = new Promise<CliResult>((r) => child.once("close", (code, signal) => r({ code, signal, stdout, stderr, ms: Date.now() - started })));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await done;
  });
  return { child, done };
}

/** Resolves once `predicate` holds, polling; fails after `ms`. */
export async function until(predicate: () => boolean, ms = 5000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `promise`'s outcome, or "still pending" when it has not settled within `ms` (a hang as a plain assertion). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | "still pending"> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"still pending">((r) => (timer = setTimeout(() => r("still pending"), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `body` (plain JS, an async function body with `lib` = the built package and `args`) in a
 * fresh Node process: one realm, as in production, unlike jest's vm context. Resolves with what
 * the body returns (as JSON).
 */
export async function inPlainNode(body: string, args: unknown, env: Record<string, string> = {}): Promise<unknown> {
  const script = `
    const lib = require(${JSON.stringify(join(ROOT, "dist", "src", "index.js"))});
    const args = JSON.parse(process.env.HOSTILE_ARGS);
    (async () => { ${body} })().then(
      (v) => process.stdout.write(JSON.stringify({ ok: v })),
      (e) => process.stdout.write(JSON.stringify({ failed: String(e && e.stack || e) })),
    );`;
  const child = spawn(process.execPath, ["-e", script], { env: { PATH: process.env.PATH ?? "", ...env, HOSTILE_ARGS: JSON.stringify(args) }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const code = await new Promise<number | null>((r) => child.once("close", r));
  const parsed = JSON.parse(out || "{}") as { ok?: unknown; failed?: string };
  if (code !== 0 || parsed.failed !== undefined) throw new Error(`plain node run failed (${code}): ${parsed.failed ?? err}`);
  return parsed.ok;
}
