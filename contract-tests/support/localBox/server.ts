/**
 * A stateful stand-in for Box, for tests, the demo and the bench: the upload host's chunked and
 * one-request uploads under /api/2.0, the API host's preflight check, file reads, folder listings,
 * folder creation, moves, renames and deletions under /2.0,
 * and the token endpoint at /oauth2/token, all on one loopback port. It keeps the rules Box
 * documents (see the modules beside this file) and exposes hooks to inject faults. State lives in memory.
 *
 * This file is the entry point: the server's life cycle and what tests set up and read back.
 * dispatch.ts takes each request through routing, fault hooks, auth and logging; the operations
 * live beside it: sessions.ts (chunked), files.ts (direct upload, version, preflight,
 * get, move and delete a file), folders.ts (list items, create, move and delete a folder),
 * oauth.ts (tokens); state.ts holds folders and files.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer, type Server as TlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { sha1 } from "../sha1";
import { Content } from "./content";
import type { CorsLog, CorsOptions } from "./cors";
import { Dispatch } from "./dispatch";
import { fileRoutes } from "./files";
import { folderRoutes } from "./folders";
import { filesByPath, listFolder, treeOf, type ListedItem, type TreeNode } from "./listing";
import type { LimitStats } from "./limits";
import { TokenStore } from "./oauth";
import { resolveOptions, type BoxServerOptions, type Handlers, type LoggedRequest, type RequestContext } from "./options";
import { API_PREFIX, UPLOAD_PREFIX } from "./routes";
import { sessionRoutes, type Session } from "./sessions";
import { BoxState, checkItemName, type StoredFile, type StoredFolder } from "./state";
import { throwawayCertificate, type LocalTls } from "./tls";

export { errorBody, errorFault } from "./errors";
export { DEFAULT_OAUTH_CLIENT, DEFAULT_TOKEN, defaultPartSize } from "./options";
export type { BoxServerOptions, Fault, LoggedRequest, OAuthClient, RequestContext, Route } from "./options";
export type { ListedItem, TreeNode } from "./listing";
export type { LimitStats, ServerRateLimits } from "./limits";
export type { Session, StoredPart } from "./sessions";
export type { StoredFile, StoredFolder, StoredItem, StoredVersion } from "./state";
export type { LocalTls } from "./tls";

export class LocalBoxServer {
  readonly state = new BoxState();
  readonly files = this.state.files;
  /** Folders by ID ("0" is the root, "All Files"); `addFolder` makes more. */
  readonly folders = this.state.folders;
  readonly sessions = new Map<string, Session>();
  /** Access and refresh tokens issued by `POST /oauth2/token`. */
  readonly tokens: TokenStore;
  private readonly dispatch: Dispatch;
  /** Every request as it arrived (answered or not, e.g. one a fault never answers), in arrival order. */
  readonly received: RequestContext[];
  /** Every answered request, in the order the answers went out. */
  readonly log: LoggedRequest[];
  readonly corsLog: CorsLog;
  private server: Server | TlsServer | undefined;
  /** With `start(port, { tls })`: the server's certificate, PEM, for clients to trust (e.g. through NODE_EXTRA_CA_CERTS). */
  caPem: string | undefined;
  private origin = "";
  /** With an upload plan, versions keep their bytes (plans find hits in them). */
  private readonly keepContent: boolean;

  constructor(options: BoxServerOptions = {}) {
    const opts = resolveOptions(options);
    this.keepContent = opts.uploadPlan !== undefined;
    this.tokens = new TokenStore(opts.oauthClients, opts.tokenTtlSeconds);
    const deps = { state: this.state, sessions: this.sessions, opts, baseUrl: () => this.baseUrl };
    const handlers: Handlers = {
      ...sessionRoutes(deps),
      ...fileRoutes(deps),
      ...folderRoutes(deps),
      oauthToken: ({ req }) => this.tokens.handle(req),
    };
    this.dispatch = new Dispatch(opts, handlers, this.tokens, (id) => this.sessions.has(id));
    this.received = this.dispatch.received;
    this.log = this.dispatch.log;
    this.corsLog = this.dispatch.corsLog;
  }

  /** With the `rateLimits` option: requests accepted and refused (429) by kind, and the bytes sent into refusals. */
  get limitStats(): LimitStats | undefined {
    return this.dispatch.limiter?.stats;
  }

  /** Set to answer browsers on other origins (preflights, allowed origins); see cors.ts. */
  get cors(): CorsOptions | undefined {
    return this.dispatch.cors;
  }

  set cors(cors: CorsOptions | undefined) {
    this.dispatch.cors = cors;
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
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.dispatch.handle(req, res);
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
   * HttpError 404 or 409) when the folder is unknown or the name is taken there, any case. Tests
   * that name a file by a fixed ID give it as `id`.
   */
  addFile(name: string, content: Uint8Array = Buffer.alloc(0), folderId = "0", { id }: { id?: string } = {}): StoredFile {
    this.state.folder(folderId, "parent");
    this.state.checkNameFree(folderId, checkItemName(name));
    const file = this.state.createFile(folderId, name, id);
    this.state.addVersion(file, { sha1: sha1(content), size: content.byteLength, ...(this.keepContent ? { content: new Content([Buffer.from(content)]) } : {}) });
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
    return listFolder(this.state, folderId);
  }

  /** A folder's whole subtree (root by default), in listing order; compare it to a local tree by SHA-1. */
  tree(folderId = "0"): TreeNode[] {
    return treeOf(this.state, folderId);
  }

  /**
   * The files under a folder (root by default) by path relative to it ("a/b/file.txt"), with the
   * SHA-1 and size of their current versions: the shape to compare a synced local tree against.
   */
  filesByPath(folderId = "0"): Map<string, { id: string; sha1: string; size: number }> {
    return filesByPath(this.state, folderId);
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
    while (this.dispatch.inFlight > 0) await new Promise((r) => setTimeout(r, 10));
  }
}
