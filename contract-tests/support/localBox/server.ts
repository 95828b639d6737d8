/**
 * A stateful stand-in for Box, for tests, the demo and the bench: the upload host's chunked and
 * one-request uploads under /api/2.0, the API host's preflight check, file reads, folder listings
 * and folder creation under /2.0,
 * and the token endpoint at /oauth2/token, all on one loopback port. It keeps the rules Box
 * documents (see localBox/) and exposes hooks to inject faults. State lives in memory.
 *
 * This file is the entry point: the server's life cycle, auth, logging and fault hooks. The
 * operations live beside it: sessions.ts (chunked), files.ts (direct upload, version, preflight,
 * get file), folders.ts (list items, create folder), oauth.ts (tokens); state.ts holds folders
 * and files.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer, type Server as TlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { handleCors, type CorsLog, type CorsOptions } from "./cors";
import { errorBody, HttpError } from "./errors";
import { fileRoutes } from "./files";
import { folderRoutes } from "./folders";
import { TokenStore } from "./oauth";
import { resolveOptions, type BoxServerOptions, type Exchange, type Fault, type Handlers, type LoggedRequest, type RequestContext, type ResolvedOptions } from "./options";
import { API_PREFIX, matchRoute, UPLOAD_PREFIX } from "./routes";
import { sessionRoutes, type Session } from "./sessions";
import { sortItems, DEFAULT_ORDER } from "./representation";
import { BoxState, checkItemName, type StoredFile, type StoredFolder } from "./state";
import { sha1 } from "../sha1";
import { parseContentRange } from "../wire";

export { errorBody, errorFault } from "./errors";
export { DEFAULT_OAUTH_CLIENT, DEFAULT_TOKEN, defaultPartSize } from "./options";
export type { BoxServerOptions, Fault, LoggedRequest, OAuthClient, RequestContext, Route } from "./options";
export type { Session, StoredPart } from "./sessions";
export type { StoredFile, StoredFolder, StoredItem, StoredVersion } from "./state";

/** A folder's child as `list()` reports it: a file with its current content's SHA-1 and size. */
export type ListedItem =
  | { type: "folder"; id: string; name: string }
  | { type: "file"; id: string; name: string; sha1: string; size: number; versions: number };

/** A folder's whole subtree as `tree()` reports it, children in listing order. */
export type TreeNode =
  | { type: "folder"; id: string; name: string; children: TreeNode[] }
  | { type: "file"; id: string; name: string; sha1: string; size: number; versions: number };

export class LocalBoxServer {
  readonly state = new BoxState();
  readonly files = this.state.files;
  /** Folders by ID ("0" is the root, "All Files"); `addFolder` makes more. */
  readonly folders = this.state.folders;
  readonly sessions = new Map<string, Session>();
  readonly log: LoggedRequest[] = [];
  /** Access and refresh tokens issued by `POST /oauth2/token`. */
  readonly tokens: TokenStore;
  private server: Server | TlsServer | undefined;
  /** With `start(port, { tls })`: the server's certificate, PEM, for clients to trust (e.g. through NODE_EXTRA_CA_CERTS). */
  caPem: string | undefined;
  private origin = "";
  private inFlight = 0;
  private seq = 0;
  private readonly opts: ResolvedOptions;
  private readonly handlers: Handlers;
  /** Set to answer browsers on other origins (preflights, allowed origins); see localBox/cors.ts. */
  cors: CorsOptions | undefined;
  readonly corsLog: CorsLog = { preflights: 0, refusedHeaders: [], refusedOrigins: [] };

  constructor(options: BoxServerOptions = {}) {
    this.opts = resolveOptions(options);
    this.tokens = new TokenStore(this.opts.oauthClients, this.opts.tokenTtlSeconds);
    const deps = { state: this.state, sessions: this.sessions, opts: this.opts, baseUrl: () => this.baseUrl };
    this.handlers = {
      ...sessionRoutes(deps),
      ...fileRoutes(deps),
      ...folderRoutes(deps),
      oauthToken: ({ req }) => this.tokens.handle(req),
    };
  }

  /** Base URL of the upload host, e.g. `http://127.0.0.1:PORT/api/2.0`. */
  get baseUrl(): string {
    return `${this.origin}${UPLOAD_PREFIX}`;
  }

  /** Base URL of the API host, e.g. `http://127.0.0.1:PORT/2.0` (same port); the token endpoint is at its origin. */
  get apiBaseUrl(): string {
    return `${this.origin}${API_PREFIX}`;
  }

  /**
   * Listens on 127.0.0.1 (`port` 0: any free one). With `tls`, serves HTTPS: `true` makes a
   * throwaway self-signed certificate for 127.0.0.1, ::1 and localhost; or give your own PEMs.
   */
  async start(port = 0, { tls }: { tls?: LocalTls } = {}): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    if (tls) {
      const { key, cert } = tls === true ? await throwawayCertificate() : tls;
      this.caPem = cert;
      this.server = createTlsServer({ key, cert }, handler);
    } else {
      this.server = createServer(handler);
    }
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(port, "127.0.0.1", () => resolve());
    });
    this.origin = `${tls ? "https" : "http"}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Creates a file (with one version of the given bytes) to upload new versions of. Throws (an
   * HttpError 404 or 409) when the folder is unknown or the name is taken there, any case.
   */
  addFile(name: string, content: Uint8Array = Buffer.alloc(0), folderId = "0"): StoredFile {
    this.state.folder(folderId, "parent");
    this.state.checkNameFree(folderId, checkItemName(name));
    const file = this.state.createFile(folderId, name);
    this.state.addVersion(file, { sha1: sha1(content), size: content.byteLength });
    return file;
  }

  /**
   * Creates a folder (in the root by default) to upload into. Throws (an HttpError 400, 404 or
   * 409) for an invalid name, an unknown parent, or a name taken there by a file or folder.
   */
  addFolder(name: string, parentId = "0"): StoredFolder {
    return this.state.addFolder(checkItemName(name), parentId);
  }

  /**
   * Creates the folders of a slash-separated path under `parentId` (root by default), reusing
   * those that exist; returns the last. For building trees in tests: `addFolders("a/b/c")`.
   */
  addFolders(path: string, parentId = "0"): StoredFolder {
    let folder = this.state.folder(parentId);
    for (const name of path.split("/").filter((n) => n !== "")) {
      folder = this.state.folderNamed(folder.id, name) ?? this.addFolder(name, folder.id);
    }
    return folder;
  }

  /** A folder's direct children, in listing order (folders, then files, by name). Throws 404 when unknown. */
  list(folderId = "0"): ListedItem[] {
    return sortItems(this.state, this.state.children(folderId), DEFAULT_ORDER).map((item): ListedItem => {
      if (item.type === "folder") return { type: "folder", id: item.folder.id, name: item.folder.name };
      const f = item.file;
      const v = f.versions[f.versions.length - 1]!;
      return { type: "file", id: f.id, name: f.name, sha1: v.sha1, size: v.size, versions: f.versions.length };
    });
  }

  /** A folder's whole subtree (root by default), in listing order; compare it to a local tree by SHA-1. */
  tree(folderId = "0"): TreeNode[] {
    return this.list(folderId).map((item): TreeNode => (item.type === "folder" ? { ...item, children: this.tree(item.id) } : item));
  }

  /**
   * The files under a folder (root by default) by path relative to it ("a/b/file.txt"), with the
   * SHA-1 and size of their current versions: the shape to compare a synced local tree against.
   */
  filesByPath(folderId = "0"): Map<string, { id: string; sha1: string; size: number }> {
    const out = new Map<string, { id: string; sha1: string; size: number }>();
    const walk = (nodes: TreeNode[], prefix: string) => {
      for (const n of nodes) {
        if (n.type === "folder") walk(n.children, `${prefix}${n.name}/`);
        else out.set(`${prefix}${n.name}`, { id: n.id, sha1: n.sha1, size: n.size });
      }
    };
    walk(this.tree(folderId), "");
    return out;
  }

  /** A refresh token for an OAuth client, as if its user had just authorized the app in a browser. */
  issueRefreshToken(clientId?: string): string {
    return this.tokens.issueRefreshToken(clientId);
  }

  /** Makes a session look expired, as if its seven days had passed. */
  expireSession(id: string): void {
    const s = this.sessions.get(id);
    if (s) s.expiresAt = Date.now() - 1;
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
    if (this.cors && handleCors(req, res, this.cors, this.corsLog)) return;
    const url = new URL(req.url ?? "/", "http://x");
    const { route, sessionId, fileId, folderId } = matchRoute(req.method ?? "", url.pathname);
    const ctx: RequestContext = { route, method: req.method ?? "", path: url.pathname, headers: req.headers, seq: ++this.seq };
    if (sessionId) ctx.sessionId = sessionId;
    if (fileId) ctx.fileId = fileId;
    if (folderId) ctx.folderId = folderId;
    if (route === "uploadPart") {
      const range = parseContentRange(String(req.headers["content-range"] ?? ""));
      if (range) ctx.range = range;
    }
    try {
      const early = await this.opts.before?.(ctx);
      if (early) return this.answerFault(req, res, ctx, early);
      if (this.opts.latencyMs > 0) await new Promise((r) => setTimeout(r, this.opts.latencyMs));
      // The token endpoint is the one operation that needs no bearer token.
      if (route !== "oauthToken") this.checkAuth(req);
      if (route === "unknown") throw new HttpError(404, "not_found", `no route for ${req.method} ${url.pathname}`);
      const exchange: Exchange = { req, url, ...(sessionId ? { sessionId } : {}), ...(fileId ? { fileId } : {}), ...(folderId ? { folderId } : {}) };
      const result = await this.handlers[route](exchange);
      const late = await this.opts.after?.(ctx, result.status);
      if (late) return this.answerFault(req, res, ctx, late);
      this.send(req, res, ctx, result.status, result.body, result.headers);
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, "internal_server_error", String(err));
      if (!(err instanceof HttpError)) console.error("local box server:", err);
      this.send(req, res, ctx, e.status, errorBody(e.status, e.code, e.message, e.contextInfo), e.headers);
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

  /**
   * A bearer token issued by the token endpoint is good until it expires. Any other is checked
   * against the `token` option: DEFAULT_TOKEN unless the test gave its own string or predicate.
   */
  private checkAuth(req: IncomingMessage): void {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "");
    const issued = m ? this.tokens.check(m[1]!) : undefined;
    const ok =
      issued !== undefined
        ? issued === "valid"
        : m && (typeof this.opts.token === "function" ? this.opts.token(m[1]!) : m[1] === this.opts.token);
    if (!ok) {
      throw new HttpError(401, "unauthorized", "missing, invalid or expired access token", {
        "www-authenticate": 'Bearer realm="Box", error="invalid_token"',
      });
    }
  }
}

/** TLS for `start()`: a throwaway certificate, or a key and certificate (PEM) of your own. */
export type LocalTls = true | { key: string; cert: string };

/** A self-signed certificate for the loopback names, valid from an hour ago for a day. */
async function throwawayCertificate(): Promise<{ key: string; cert: string }> {
  // Loaded here, not at the top: it is slow to load and sets global Reflect metadata.
  const { generate } = await import("selfsigned");
  const now = Date.now();
  // A name of its own, so that two of these can be trusted at once (issuers are found by name).
  const pems = await generate([{ name: "commonName", value: `local Box server ${Math.random().toString(36).slice(2, 10)}` }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate: new Date(now - 3_600_000),
    notAfterDate: new Date(now + 86_400_000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }, { type: 7, ip: "::1" }, { type: 2, value: "localhost" }] },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

function rangeOf(req: IncomingMessage): { contentRange?: string } {
  const r = req.headers["content-range"];
  return typeof r === "string" ? { contentRange: r } : {};
}
