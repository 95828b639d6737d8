/** The local Box server's options, and what its hooks and log see. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerRateLimits } from "./limits";
import type { UploadPlanOptions } from "./plan";

export const DEFAULT_TOKEN = "local-dev-token";
const MiB = 1024 * 1024;

/** Box's own rule is not published; ours starts at 8 MiB and doubles to stay within 10,000 parts. */
export function defaultPartSize(fileSize: number): number {
  let size = 8 * MiB;
  while (Math.ceil(fileSize / size) > 10_000) size *= 2;
  return size;
}

/** Operation names, as logged and as seen by the fault hooks. */
export type Route =
  // upload host, under /api/2.0
  | "createSessionNewFile"
  | "createSessionExistingFile"
  | "getSession"
  | "uploadPart"
  | "abortSession"
  | "listParts"
  | "commit"
  | "planSession"
  | "uploadFile"
  | "uploadFileVersion"
  // API host, under /2.0
  | "preflightUpload"
  | "getFile"
  | "moveFile"
  | "deleteFile"
  | "listFolderItems"
  | "createFolder"
  | "moveFolder"
  | "deleteFolder"
  // the API host's origin
  | "oauthToken"
  | "unknown";

/** What a fault hook sees, and `received` keeps; `route` names the operation. */
export interface RequestContext {
  route: Route;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  /** When the request arrived (its head), in ms since the epoch. */
  at: number;
  /** How many requests to this route arrived before this one (0 for the first). */
  nth: number;
  /** The whole request body, read before the hooks run: only with the `bufferBodies` option. */
  body?: Buffer;
  sessionId?: string;
  fileId?: string;
  /** For folder listings: the folder in the path. */
  folderId?: string;
  /** For part uploads: the parsed Content-Range. */
  range?: { offset: number; size: number; total: number };
  /** Count of requests this server has seen, 1-based. */
  seq: number;
}

/**
 * A fault replaces the normal answer: a canned reply (a JSON body, Box's error body by default),
 * a dropped connection, or `raw`, which takes the response over: it may write any status,
 * headers and bytes, trickle them, or never answer at all (the server closes the connection
 * when it stops). The request body is unread unless `bufferBodies` read it first.
 */
export type Fault =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | "drop"
  | { raw: (req: IncomingMessage, res: ServerResponse) => unknown };

/** An application allowed at `POST /oauth2/token`. */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  /** When set, a client_credentials grant for box_subject_type=enterprise must name this ID. */
  enterpriseId?: string;
  /** When set, a client_credentials grant for box_subject_type=user must name this ID. */
  userId?: string;
}

export const DEFAULT_OAUTH_CLIENT: OAuthClient = { clientId: "local-client", clientSecret: "local-secret" };

export interface BoxServerOptions {
  /**
   * Accepted static bearer token(s) (default DEFAULT_TOKEN). A function lets tests expire tokens.
   * Tokens issued by `POST /oauth2/token` are accepted besides, until they expire.
   */
  token?: string | ((token: string) => boolean);
  /** Smallest file_size a chunked session accepts (Box: 20,000,000); below it, 400 file_size_too_small. */
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
  /** Applications the token endpoint knows (default: one, `local-client` / `local-secret`). */
  oauthClients?: OAuthClient[];
  /** Lifetime of issued access tokens, in seconds (default 3600). */
  tokenTtlSeconds?: number;
  /**
   * Most entries a page of `GET /folders/{id}/items` holds, whatever `limit` asks (default 1000,
   * Box's maximum); small values make tests page. The answer's `limit` is the one used.
   */
  pageSizeCap?: number;
  /**
   * Read each request's whole body before the hooks run, so that they (as `ctx.body`) and the log
   * see its bytes; the handler then reads the same bytes. For tests of small uploads only: every
   * body is held in memory.
   */
  bufferBodies?: boolean;
  /**
   * Fields that replace those of every upload session answer (create and get), as a server that
   * answers oddly would: e.g. `{ part_size: 1 }`, or `{ part_size: undefined }` to leave it out.
   * A string `id` is also the ID the session is stored and served under.
   */
  sessionPatch?: Record<string, unknown>;
  /** Box's upload plan (see plan.ts): how hits enter the commit, or no endpoint; none unless given. */
  uploadPlan?: UploadPlanOptions;
  /** Box's per-user rate limits (see limits.ts); none unless given. */
  rateLimits?: ServerRateLimits;
  /** Runs before the handler; a fault returned here is answered instead (nothing is stored). */
  before?: (ctx: RequestContext) => Fault | undefined | Promise<Fault | undefined>;
  /** Runs after the handler stored its effects; a fault here replaces the answer (effects stay). */
  after?: (ctx: RequestContext, status: number) => Fault | undefined | Promise<Fault | undefined>;
}

type Optional = "before" | "after" | "sessionEndpointsBaseUrl" | "bytesPerSecond" | "bufferBodies" | "sessionPatch" | "rateLimits" | "uploadPlan";
export type ResolvedOptions = Required<Omit<BoxServerOptions, Optional>> & BoxServerOptions;

export function resolveOptions(options: BoxServerOptions): ResolvedOptions {
  return {
    token: DEFAULT_TOKEN,
    minFileSize: 20_000_000,
    partSizeFor: defaultPartSize,
    sessionTtlMs: 7 * 24 * 3600 * 1000,
    processingCommits: 0,
    retryAfterSeconds: 1,
    latencyMs: 0,
    oauthClients: [DEFAULT_OAUTH_CLIENT],
    tokenTtlSeconds: 3600,
    pageSizeCap: 1000,
    ...options,
  };
}

/** An answered request, logged when its answer went out; status 0 is a dropped connection. */
export interface LoggedRequest {
  route: Route;
  method: string;
  path: string;
  status: number;
  contentRange?: string;
  /** The request's place in arrival order (RequestContext.seq), when it arrived, and its headers. */
  seq: number;
  at: number;
  headers: IncomingMessage["headers"];
  sessionId?: string;
  /** The request body, with `bufferBodies`. */
  body?: Buffer;
}

/** One request as a handler sees it. */
export interface Exchange {
  req: IncomingMessage;
  url: URL;
  /** When the request arrived (ms since the epoch). */
  at: number;
  sessionId?: string;
  fileId?: string;
  folderId?: string;
}

/** A handler's answer (errors are thrown as HttpError instead). */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ex: Exchange) => Promise<Reply>;
export type Handlers = Record<Exclude<Route, "unknown">, Handler>;
