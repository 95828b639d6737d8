/** The API layer's types: Box's schemas from the generated spec types, and each operation's input. */
import type { components } from "../../generated/box-chunked-uploads";
import type { TokenOption } from "./auth";
import type { Pacer, RateLimits } from "./pacer";
import type { Transport } from "./transport";

export type Schemas = components["schemas"];
export type UploadSession = Schemas["UploadSession"];
export type UploadPart = Schemas["UploadPart"];
export type UploadParts = Schemas["UploadParts"];
export type BoxFile = Schemas["File"];
/** A part as a plan names it: where it is, how big, and its SHA-512 (lowercase hex). */
export type PlanPart = Schemas["UploadPartPlan"];
export type UploadSessionPlan = Schemas["UploadSessionPlan"];

/** Where `moveFile` / `moveFolder` take an item: a new name, a new parent folder, or (files) both. */
export interface MoveTarget {
  name?: string;
  parentId?: string;
  /** The etag last seen: Box refuses with 412 when the item changed since. */
  ifMatch?: string;
}

export interface BoxClientOptions {
  /** A bearer token, or a function that returns one (asked again once after a 401). */
  token: TokenOption;
  /** Defaults to Box's upload host. `http://` is accepted for loopback addresses only. */
  baseUrl?: string;
  /** Defaults to Box's API host (`https://api.box.com/2.0`); the token endpoint is at its origin. */
  apiBaseUrl?: string;
  /**
   * Act as this Box user (digits: a managed user's ID), as a service account or an admin may: sent
   * as `As-User` on every API and upload request, never to the token endpoint.
   */
  asUser?: string;
  /** Extra origins allowed to receive the token (e.g. a regional upload host). */
  trustedOrigins?: string[];
  userAgent?: string;
  /**
   * Replaces the built-in transport with a fetch of your own, called with standard Request
   * objects, e.g. to add tracing. Response bodies get the same size caps.
   */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * Per request: `requestMs` bounds the whole exchange, token included (default 10 min);
   * `idleMs` gives up a connection silent that long (built-in transport; default 2 min).
   * Either ends as BoxNetworkError ETIMEDOUT, which the uploader retries per its policy.
   */
  timeouts?: { requestMs?: number; idleMs?: number };
  /**
   * Box's per-user rate limits, which every request of this client is paced to (evenly spaced; a
   * 429 holds its kind for Retry-After and lowers the pace). Default Box's documented limits:
   * 240 uploads and 1,000 other calls a minute; `"off"`, or 0 for one kind, paces nothing.
   */
  rateLimits?: RateLimits | "off";
  /** Most bytes a second this client sends, all its transfers and parts together (default: no cap). */
  bandwidthLimit?: number;
  /**
   * Pacing from elsewhere instead of this client's own (e.g. one shared by every host of a fleet
   * acting as one Box user); replaces `rateLimits` and `bandwidthLimit`.
   */
  pacer?: Pacer;
  /**
   * Called once per HTTP exchange that got an answer or failed: method, path, status (0 when no
   * answer came), milliseconds, Box's request id. Never a token or a body: safe to log.
   */
  onRequest?: (event: RequestEvent) => void;
}

export interface RequestEvent {
  method: string;
  path: string;
  status: number;
  ms: number;
  requestId?: string;
}

/** What the runtime supplies: its HTTP stack and the user agent to send by default. */
export interface ApiPlatform {
  createTransport(settings: { idleMs: number }): Transport;
  userAgent: string;
}

/** Options of a call that sends a body: the call's own, and a callback for bytes handed to the wire. */
export interface DirectCallOptions extends CallOptions {
  /** Bytes of the file (or part) handed to the network so far; never the request's wrapper. */
  onBodySent?: (bytes: number) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Send to this base URL instead (a session endpoint); must be a trusted origin. */
  baseUrl?: string;
  /**
   * Send only with a token already at hand: never wait for a token provider, nor refresh after a
   * 401 (fails at once instead). For best-effort cleanup after an abort, which must not hang.
   */
  noTokenWait?: boolean;
}

export interface SessionInput {
  fileSize: number;
  fileName?: string;
}

export interface UploadPartInput {
  /** First byte of the part in the file. */
  offset: number;
  /** Size of the whole file, for Content-Range. */
  fileSize: number;
  /** SHA-1 of the part, lowercase hex. */
  sha1: string;
}

/** Times Box keeps with a file's content, as RFC 3339 text (`2026-01-31T09:30:00Z`). */
export interface ContentTimes {
  /** When the content was last modified where it came from. */
  contentModifiedAt?: string;
  /** When the content was created where it came from (new files only). */
  contentCreatedAt?: string;
}

export interface CommitInput {
  parts: UploadPart[];
  /** Set on the committed file (sent as the commit's `attributes`). */
  times?: ContentTimes;
  /** SHA-1 of the whole file, lowercase hex. */
  sha1: string;
  ifMatch?: string;
  ifNoneMatch?: string;
}

/** A commit either created the file, or Box is still assembling the parts and asks us to come back. */
export type CommitResult =
  | { status: "committed"; file: BoxFile; files: Schemas["Files"] }
  | { status: "processing"; retryAfterMs: number | undefined };

