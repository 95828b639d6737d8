/**
 * A stateful stand-in for Box's upload host, for tests and the demo. It keeps the rules Box
 * documents for chunked uploads (bearer auth, minimum size, server-chosen part size, aligned
 * Content-Range, per-part and whole-file SHA-1, commit by parts list, 202 while processing,
 * abort, expiry) and exposes hooks to inject faults. Loopback only; state lives in memory.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { components } from "../../generated/box-chunked-uploads";
import { sha1 } from "./sha1";
import { parseContentRange, parseDigestHeader } from "./wire";

type Schemas = components["schemas"];
type UploadSession = Schemas["UploadSession"];
type UploadPart = Schemas["UploadPart"];
type BoxFile = Schemas["File"];

export const DEFAULT_TOKEN = "local-dev-token";
const MiB = 1024 * 1024;

/** Box's own rule is not published; ours starts at 8 MiB and doubles to stay within 10,000 parts. */
export function defaultPartSize(fileSize: number): number {
  let size = 8 * MiB;
  while (Math.ceil(fileSize / size) > 10_000) size *= 2;
  return size;
}

export interface StoredVersion {
  id: string;
  sha1: string;
  size: number;
  sessionId?: string;
}

export interface StoredFile {
  id: string;
  name: string;
  folderId: string;
  etag: number;
  versions: StoredVersion[];
}

interface StoredPart {
  part_id: string;
  offset: number;
  size: number;
  sha1: string;
  /** Held only until the whole-file hash has consumed it (parts may arrive out of order). */
  data?: Buffer;
}

export interface Session {
  id: string;
  fileSize: number;
  partSize: number;
  totalParts: number;
  fileName: string | undefined;
  target: { kind: "new"; folderId: string } | { kind: "version"; fileId: string };
  parts: Map<number, StoredPart>;
  expiresAt: number;
  state: "open" | "committed" | "aborted";
  processingLeft: number;
  /** Whole-file SHA-1 fed in file order as the gap-free prefix of parts grows, so the server
   * holds only out-of-order parts in memory, not the file. */
  whole: ReturnType<typeof createHash>;
  hashedUpTo: number;
  wholeSha1?: string;
}

/** What a fault hook sees; `route` names the operation, as in the spec's operationIds. */
export interface RequestContext {
  route: Route;
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  sessionId?: string;
  /** For part uploads: the parsed Content-Range. */
  range?: { offset: number; size: number; total: number };
  /** Count of requests this server has seen, 1-based. */
  seq: number;
}

export type Route =
  | "createSessionNewFile"
  | "createSessionExistingFile"
  | "getSession"
  | "uploadPart"
  | "abortSession"
  | "listParts"
  | "commit"
  | "unknown";

/** A fault replaces the normal answer: a canned reply, or a dropped connection. */
export type Fault = { status: number; headers?: Record<string, string>; body?: unknown } | "drop";

/** Box's error body, as this server answers errors. */
export function errorBody(status: number, code: string, message: string): Schemas["ClientError"] {
  return {
    type: "error",
    status,
    code,
    message,
    request_id: randomBytes(6).toString("hex"),
    help_url: "https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/",
    context_info: null,
  };
}

/** A fault answering Box's error `code` (e.g. a lagging `parts_mismatch`) rather than a generic one. */
export function errorFault(status: number, code: string, message = "fault injected by the test"): Fault {
  return { status, body: errorBody(status, code, message) };
}

export interface BoxServerOptions {
  /** Accepted bearer token(s). A function lets tests expire tokens. */
  token?: string | ((token: string) => boolean);
  minFileSize?: number;
  partSizeFor?: (fileSize: number) => number;
  sessionTtlMs?: number;
  /** How many times a commit answers 202 before it goes through. */
  processingCommits?: number;
  retryAfterSeconds?: number;
  /** Shape like a real link: cap each request body to this many bytes/s (default: no cap). */
  bytesPerSecond?: number;
  /** Shape like a real link: added delay before each answer, in ms (default 0). */
  latencyMs?: number;
  /** Base URL announced in session_endpoints (default: this server's own). */
  sessionEndpointsBaseUrl?: string;
  /** Runs before the handler; a fault returned here is answered instead (nothing is stored). */
  before?: (ctx: RequestContext) => Fault | undefined | Promise<Fault | undefined>;
  /** Runs after the handler stored its effects; a fault here replaces the answer (effects stay). */
  after?: (ctx: RequestContext, status: number) => Fault | undefined | Promise<Fault | undefined>;
}

export interface LoggedRequest {
  route: Route;
  method: string;
  path: string;
  status: number;
  contentRange?: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const BASE = "/api/2.0";
/** A commit lists every part: 10,000 parts of ~110 bytes each need about 1.1 MB. */
const MAX_JSON = 4 * 1024 * 1024;

export class LocalBoxServer {
  readonly files = new Map<string, StoredFile>();
  readonly folders = new Map<string, Set<string>>([["0", new Set()]]);
  readonly sessions = new Map<string, Session>();
  readonly log: LoggedRequest[] = [];
  private server: Server | undefined;
  private origin = "";
  private inFlight = 0;
  private seq = 0;
  private nextId = 1_000_000;
  private readonly opts: Required<Omit<BoxServerOptions, "before" | "after" | "sessionEndpointsBaseUrl" | "bytesPerSecond">> &
    BoxServerOptions;

  constructor(options: BoxServerOptions = {}) {
    this.opts = {
      token: DEFAULT_TOKEN,
      minFileSize: 20_000_000,
      partSizeFor: defaultPartSize,
      sessionTtlMs: 7 * 24 * 3600 * 1000,
      processingCommits: 0,
      retryAfterSeconds: 1,
      latencyMs: 0,
      ...options,
    };
  }

  /** Base URL of the API, e.g. `http://127.0.0.1:PORT/api/2.0`. */
  get baseUrl(): string {
    return `${this.origin}${BASE}`;
  }

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(port, "127.0.0.1", () => resolve());
    });
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Creates a file (with one version of the given bytes) to upload new versions of. */
  addFile(name: string, content: Uint8Array = Buffer.alloc(0), folderId = "0"): StoredFile {
    const file: StoredFile = {
      id: this.id(),
      name,
      folderId,
      etag: 0,
      versions: [{ id: this.id(), sha1: sha1(content), size: content.byteLength }],
    };
    this.files.set(file.id, file);
    this.folders.get(folderId)!.add(file.id);
    return file;
  }

  /** Makes a session look expired, as if its seven days had passed. */
  expireSession(id: string): void {
    const s = this.sessions.get(id);
    if (s) s.expiresAt = Date.now() - 1;
  }

  private id(): string {
    return String(this.nextId++);
  }

  /** Resolves once no request is being handled (e.g. those of a client that was just killed). */
  async idle(): Promise<void> {
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 10));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    try {
      await this.handleRequest(req, res);
    } finally {
      this.inFlight--;
    }
  }

  private async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const { route, sessionId, fileId } = matchRoute(req.method ?? "", url.pathname);
    const ctx: RequestContext = { route, method: req.method ?? "", path: url.pathname, headers: req.headers, seq: ++this.seq };
    if (sessionId) ctx.sessionId = sessionId;
    if (route === "uploadPart") {
      const range = parseContentRange(String(req.headers["content-range"] ?? ""));
      if (range) ctx.range = range;
    }
    let status = 500;
    try {
      const early = await this.opts.before?.(ctx);
      if (early) return this.answerFault(req, res, ctx, early);
      if (this.opts.latencyMs > 0) await new Promise((r) => setTimeout(r, this.opts.latencyMs));
      this.checkAuth(req);
      const result = await this.dispatch(route, req, url, sessionId, fileId);
      status = result.status;
      const late = await this.opts.after?.(ctx, status);
      if (late) return this.answerFault(req, res, ctx, late);
      this.send(req, res, ctx, result.status, result.body, result.headers);
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, "internal_server_error", String(err));
      if (!(err instanceof HttpError)) console.error("local box server:", err);
      this.send(req, res, ctx, e.status, errorBody(e.status, e.code, e.message), e.headers);
    }
  }

  private answerFault(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, fault: Fault): void {
    if (fault === "drop") {
      this.log.push({ route: ctx.route, method: ctx.method, path: ctx.path, status: 0, ...rangeOf(req) });
      req.socket.destroy();
      return;
    }
    const body = fault.body ?? errorBody(fault.status, "injected_fault", "fault injected by the test");
    this.send(req, res, ctx, fault.status, body, fault.headers);
  }

  private send(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: RequestContext,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    this.log.push({ route: ctx.route, method: ctx.method, path: ctx.path, status, ...rangeOf(req) });
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    res.writeHead(status, {
      ...(payload ? { "content-type": "application/json", "content-length": String(payload.byteLength) } : {}),
      // A request whose body we did not read (an early error) must not poison the keep-alive socket.
      ...(req.complete ? {} : { connection: "close" }),
      ...headers,
    });
    res.end(payload);
  }

  private checkAuth(req: IncomingMessage): void {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "");
    const ok = m && (typeof this.opts.token === "function" ? this.opts.token(m[1]!) : m[1] === this.opts.token);
    if (!ok) {
      throw new HttpError(401, "unauthorized", "missing, invalid or expired access token", {
        "www-authenticate": 'Bearer realm="Box", error="invalid_token"',
      });
    }
  }

  private async dispatch(
    route: Route,
    req: IncomingMessage,
    url: URL,
    sessionId: string | undefined,
    fileId: string | undefined,
  ): Promise<{ status: number; body?: unknown; headers?: Record<string, string> }> {
    switch (route) {
      case "createSessionNewFile": {
        const body = await readJson(req);
        const folderId = body.folder_id;
        if (typeof folderId !== "string") throw badRequest("folder_id must be a string");
        const fileName = body.file_name;
        if (typeof fileName !== "string" || fileName === "") throw badRequest("file_name must be a non-empty string");
        if (!this.folders.has(folderId)) throw new HttpError(404, "not_found", `folder ${folderId} not found`);
        if (this.nameTaken(folderId, fileName)) {
          throw new HttpError(409, "item_name_in_use", `an item named ${fileName} already exists`);
        }
        return this.openSession(body.file_size, fileName, { kind: "new", folderId });
      }
      case "createSessionExistingFile": {
        const body = await readJson(req);
        const file = this.files.get(fileId!);
        if (!file) throw new HttpError(404, "not_found", `file ${fileId} not found`);
        const name = body.file_name;
        if (name !== undefined && (typeof name !== "string" || name === "")) {
          throw badRequest("file_name must be a non-empty string");
        }
        if (name !== undefined && name !== file.name && this.nameTaken(file.folderId, name)) {
          throw new HttpError(409, "item_name_in_use", `an item named ${name} already exists`);
        }
        return this.openSession(body.file_size, name, { kind: "version", fileId: file.id });
      }
      case "getSession": {
        const s = this.session(sessionId!);
        return { status: 200, body: this.sessionBody(s) };
      }
      case "abortSession": {
        const s = this.session(sessionId!);
        s.state = "aborted";
        s.parts.clear();
        return { status: 204 };
      }
      case "listParts": {
        const s = this.session(sessionId!);
        const offset = intParam(url, "offset", 0);
        const limit = Math.min(intParam(url, "limit", 100), 1000);
        const all = [...s.parts.values()].sort((a, b) => a.offset - b.offset).map(publicPart);
        return {
          status: 200,
          body: { total_count: all.length, offset, limit, entries: all.slice(offset, offset + limit) },
        };
      }
      case "uploadPart":
        return this.uploadPart(req, this.session(sessionId!));
      case "commit":
        return this.commit(req, this.session(sessionId!));
      default:
        throw new HttpError(404, "not_found", `no route for ${req.method} ${url.pathname}`);
    }
  }

  private nameTaken(folderId: string, name: string): boolean {
    return [...(this.folders.get(folderId) ?? [])].some((id) => this.files.get(id)?.name === name);
  }

  private openSession(fileSize: unknown, fileName: string | undefined, target: Session["target"]) {
    if (typeof fileSize !== "number" || !Number.isSafeInteger(fileSize) || fileSize < 0) {
      throw badRequest("file_size must be a non-negative integer");
    }
    if (fileSize < this.opts.minFileSize) {
      throw new HttpError(400, "file_size_too_small", `chunked uploads need at least ${this.opts.minFileSize} bytes`);
    }
    const partSize = this.opts.partSizeFor(fileSize);
    const s: Session = {
      id: randomBytes(16).toString("hex").toUpperCase(),
      fileSize,
      partSize,
      totalParts: Math.ceil(fileSize / partSize),
      fileName,
      target,
      parts: new Map(),
      expiresAt: Date.now() + this.opts.sessionTtlMs,
      state: "open",
      processingLeft: this.opts.processingCommits,
      whole: createHash("sha1"),
      hashedUpTo: 0,
    };
    this.sessions.set(s.id, s);
    return { status: 201, body: this.sessionBody(s) };
  }

  private sessionBody(s: Session): UploadSession {
    const at = `${this.opts.sessionEndpointsBaseUrl ?? this.baseUrl}/files/upload_sessions/${s.id}`;
    return {
      id: s.id,
      type: "upload_session",
      session_expires_at: new Date(s.expiresAt).toISOString(),
      part_size: s.partSize,
      total_parts: s.totalParts,
      num_parts_processed: s.parts.size,
      session_endpoints: {
        upload_part: at,
        commit: `${at}/commit`,
        abort: at,
        list_parts: `${at}/parts`,
        status: at,
        log_event: `${at}/log`,
      },
    };
  }

  private session(id: string): Session {
    const s = this.sessions.get(id);
    if (!s || s.state !== "open") throw new HttpError(404, "not_found", `upload session ${id} not found`);
    if (Date.now() > s.expiresAt) throw new HttpError(404, "session_expired", `upload session ${id} has expired`);
    return s;
  }

  private async uploadPart(req: IncomingMessage, s: Session) {
    const rangeHeader = String(req.headers["content-range"] ?? "");
    const range = parseContentRange(rangeHeader);
    const last = s.totalParts - 1;
    if (
      !range ||
      range.total !== s.fileSize ||
      range.offset % s.partSize !== 0 ||
      range.size !== Math.min(s.partSize, s.fileSize - range.offset)
    ) {
      throw new HttpError(416, "range_not_satisfiable", `Content-Range ${JSON.stringify(rangeHeader)} does not fit the session's parts (part_size ${s.partSize}, last part ${last})`);
    }
    const expected = parseDigestHeader(req.headers.digest as string | undefined);
    if (!expected) throw badRequest("Digest header must be sha=<base64 SHA-1>");
    const data = await readBody(req, range.size + 1, this.opts.bytesPerSecond);
    if (data.byteLength !== range.size) {
      throw badRequest(`body has ${data.byteLength} bytes, Content-Range says ${range.size}`);
    }
    const partSha1 = sha1(data);
    if (partSha1 !== expected) throw new HttpError(412, "sha1_mismatch", "part body does not match its Digest");
    const existing = s.parts.get(range.offset);
    if (existing) {
      if (existing.sha1 !== partSha1) throw new HttpError(409, "conflict", `a different part is stored at offset ${range.offset}`);
      return { status: 200, body: { part: publicPart(existing) } };
    }
    const part: StoredPart = { part_id: randomBytes(4).toString("hex").toUpperCase(), offset: range.offset, size: range.size, sha1: partSha1, data };
    s.parts.set(range.offset, part);
    for (let next = s.parts.get(s.hashedUpTo); next?.data; next = s.parts.get(s.hashedUpTo)) {
      s.whole.update(next.data);
      delete next.data;
      s.hashedUpTo += next.size;
    }
    if (s.hashedUpTo === s.fileSize && s.wholeSha1 === undefined) s.wholeSha1 = s.whole.digest("hex");
    return { status: 200, body: { part: publicPart(part) } };
  }

  private async commit(req: IncomingMessage, s: Session) {
    const body = await readJson(req);
    const wantSha1 = parseDigestHeader(req.headers.digest as string | undefined);
    if (!wantSha1) throw badRequest("Digest header must be sha=<base64 SHA-1>");
    const listed = body.parts;
    if (!Array.isArray(listed)) throw badRequest("parts must be an array");
    const stored = [...s.parts.values()].sort((a, b) => a.offset - b.offset);
    const complete = stored.length === s.totalParts;
    const matches =
      listed.length === stored.length &&
      listed.every((p: Record<string, unknown>, i: number) => {
        const q = stored[i]!;
        return p.part_id === q.part_id && p.offset === q.offset && p.size === q.size && (p.sha1 === undefined || p.sha1 === q.sha1);
      });
    if (!complete || !matches) {
      throw new HttpError(400, "parts_mismatch", "the parts list does not match the parts uploaded to this session");
    }
    const file = s.target.kind === "version" ? this.files.get(s.target.fileId) : undefined;
    const ifMatch = req.headers["if-match"];
    if (ifMatch !== undefined && (!file || String(file.etag) !== ifMatch)) {
      throw new HttpError(412, "precondition_failed", "the file's etag does not match If-Match");
    }
    const ifNoneMatch = req.headers["if-none-match"];
    if (ifNoneMatch !== undefined && file && String(file.etag) === ifNoneMatch) {
      throw new HttpError(412, "precondition_failed", "the file's etag matches If-None-Match");
    }
    if (s.processingLeft > 0) {
      s.processingLeft--;
      return { status: 202, headers: { "retry-after": String(this.opts.retryAfterSeconds) } };
    }
    const wholeSha1 = s.wholeSha1!;
    if (wholeSha1 !== wantSha1) throw new HttpError(400, "sha1_mismatch", "the uploaded file does not match the commit's Digest");
    const target = this.commitTarget(s, file);
    target.versions.push({ id: this.id(), sha1: wholeSha1, size: s.fileSize, sessionId: s.id });
    target.etag++;
    if (s.fileName) target.name = s.fileName;
    s.state = "committed";
    s.parts.clear();
    return { status: 201, body: { total_count: 1, entries: [this.fileBody(target)] } };
  }

  private commitTarget(s: Session, file: StoredFile | undefined): StoredFile {
    if (file) {
      if (s.fileName && s.fileName !== file.name && this.nameTaken(file.folderId, s.fileName)) {
        throw new HttpError(409, "item_name_in_use", `an item named ${s.fileName} already exists`);
      }
      return file;
    }
    if (s.target.kind === "version") throw new HttpError(404, "not_found", "the file was deleted");
    if (this.nameTaken(s.target.folderId, s.fileName!)) {
      throw new HttpError(409, "item_name_in_use", `an item named ${s.fileName} already exists`);
    }
    const created: StoredFile = { id: this.id(), name: s.fileName!, folderId: s.target.folderId, etag: -1, versions: [] };
    this.files.set(created.id, created);
    this.folders.get(created.folderId)!.add(created.id);
    return created;
  }

  private fileBody(f: StoredFile): BoxFile {
    const v = f.versions[f.versions.length - 1]!;
    return {
      id: f.id,
      type: "file",
      etag: String(f.etag),
      sequence_id: String(f.etag),
      name: f.name,
      sha1: v.sha1,
      size: v.size,
      file_version: { id: v.id, type: "file_version", sha1: v.sha1 },
    };
  }
}

function matchRoute(method: string, pathname: string): { route: Route; sessionId?: string; fileId?: string } {
  if (!pathname.startsWith(`${BASE}/`)) return { route: "unknown" };
  const p = pathname.slice(BASE.length);
  let m: RegExpExecArray | null;
  if (p === "/files/upload_sessions" && method === "POST") return { route: "createSessionNewFile" };
  if ((m = /^\/files\/(\d+)\/upload_sessions$/.exec(p)) && method === "POST") {
    return { route: "createSessionExistingFile", fileId: m[1]! };
  }
  if ((m = /^\/files\/upload_sessions\/([A-Za-z0-9]+)(\/parts|\/commit)?$/.exec(p))) {
    const sessionId = m[1]!;
    const tail = m[2];
    if (tail === "/parts" && method === "GET") return { route: "listParts", sessionId };
    if (tail === "/commit" && method === "POST") return { route: "commit", sessionId };
    if (!tail && method === "GET") return { route: "getSession", sessionId };
    if (!tail && method === "PUT") return { route: "uploadPart", sessionId };
    if (!tail && method === "DELETE") return { route: "abortSession", sessionId };
  }
  return { route: "unknown" };
}

function rangeOf(req: IncomingMessage): { contentRange?: string } {
  const r = req.headers["content-range"];
  return typeof r === "string" ? { contentRange: r } : {};
}

function publicPart(p: StoredPart): UploadPart {
  return { part_id: p.part_id, offset: p.offset, size: p.size, sha1: p.sha1 };
}

function badRequest(message: string): HttpError {
  return new HttpError(400, "bad_request", message);
}

function intParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw badRequest(`${name} must be a non-negative integer`);
  return n;
}

async function readBody(req: IncomingMessage, limit: number, bytesPerSecond?: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const started = Date.now();
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > limit) throw new HttpError(413, "request_too_large", `body exceeds ${limit - 1} bytes`);
    chunks.push(chunk);
    if (bytesPerSecond) {
      // Not reading is what slows a TCP sender down: wait until this many bytes were "due".
      const ahead = (total / bytesPerSecond) * 1000 - (Date.now() - started);
      if (ahead > 1) await new Promise((r) => setTimeout(r, ahead));
    }
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await readBody(req, MAX_JSON);
  try {
    const value = JSON.parse(raw.toString("utf8"));
    if (value && typeof value === "object" && !Array.isArray(value)) return value;
  } catch {
    /* fall through */
  }
  throw badRequest("body must be a JSON object");
}
