/**
 * Every failure the client reports is one of these classes, so callers can branch on `instanceof`
 * (or on `name`, across realms) instead of parsing messages. None of them ever holds a token.
 */

/** Marks our errors, so `instanceof BoxUploadError` also holds for BoxInputError (a TypeError). */
const BRAND = Symbol.for("box-chunked-upload.error");

/**
 * The base of all our errors. BoxInputError extends TypeError (as any wrong argument in JS), so
 * membership is a brand check rather than the prototype chain; it also holds across two copies of
 * the package in one process.
 */
export abstract class BoxUploadError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== BoxUploadError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }
}
Object.defineProperty(BoxUploadError.prototype, BRAND, { value: true });

/** Bad input caught before anything was sent. A TypeError, as for any wrong argument in JS. */
export class BoxInputError extends TypeError {
  override readonly name = "BoxInputError";
  constructor(
    /** The argument or option at fault, e.g. `fileSize` or `options.concurrency`. */
    readonly argument: string,
    message: string,
  ) {
    super(`${argument}: ${message}`);
  }
}
Object.defineProperty(BoxInputError.prototype, BRAND, { value: true });

export interface BoxApiErrorDetails {
  status: number;
  method: string;
  /** Request URL without its query string. */
  url: string;
  code?: string;
  message?: string;
  requestId?: string;
  contextInfo?: Record<string, unknown> | null;
  helpUrl?: string;
  /** Milliseconds the server asked us to wait (from `Retry-After`), if it said. */
  retryAfterMs?: number;
}

/** A non-2xx answer from Box, with Box's error fields lifted out of the body. */
export class BoxApiError extends BoxUploadError {
  override readonly name = "BoxApiError";
  readonly status: number;
  readonly method: string;
  readonly url: string;
  readonly code: string | undefined;
  readonly requestId: string | undefined;
  readonly contextInfo: Record<string, unknown> | null | undefined;
  readonly helpUrl: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(details: BoxApiErrorDetails) {
    const what = [details.code, details.message].filter(Boolean).join(": ") || "no error body";
    const req = details.requestId ? ` (request_id ${details.requestId})` : "";
    super(`${details.method} ${details.url} answered ${details.status}: ${what}${req}`);
    this.status = details.status;
    this.method = details.method;
    this.url = details.url;
    this.code = details.code;
    this.requestId = details.requestId;
    this.contextInfo = details.contextInfo;
    this.helpUrl = details.helpUrl;
    this.retryAfterMs = details.retryAfterMs;
  }

  /**
   * A 409's item that holds the name (the first of Box's `context_info.conflicts`), when Box named
   * one: for a file, upload a new version of it instead.
   */
  get conflict(): { type: string; id: string; name?: string; sha1?: string } | undefined {
    if (this.status !== 409) return undefined;
    const raw = this.contextInfo?.conflicts;
    const first = (Array.isArray(raw) ? raw[0] : raw) as Record<string, unknown> | undefined;
    if (!first || typeof first !== "object" || typeof first.type !== "string" || typeof first.id !== "string") return undefined;
    return {
      type: first.type,
      id: first.id,
      ...(typeof first.name === "string" ? { name: first.name } : {}),
      ...(typeof first.sha1 === "string" ? { sha1: first.sha1 } : {}),
    };
  }
}

/** The server acknowledged something other than what we sent, or answered outside the spec. */
export class BoxProtocolError extends BoxUploadError {
  override readonly name = "BoxProtocolError";
}

/**
 * The request failed below HTTP (refused, reset, timed out, not HTTP at all) and retries, if any,
 * ran out. `code` is the system's code (ECONNRESET, ETIMEDOUT, …); `cause` holds the original.
 */
export class BoxNetworkError extends BoxUploadError {
  override readonly name = "BoxNetworkError";
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The caller's AbortSignal fired. `cause` holds the signal's reason. */
export class UploadAbortedError extends BoxUploadError {
  override readonly name = "AbortError";
  constructor(
    readonly sessionId: string | undefined,
    options?: { cause?: unknown },
  ) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`${sessionId ? `upload aborted (session ${sessionId})` : "upload aborted"}${why}`, options);
  }
}

/** The source did not deliver the bytes it promised (too short, too long, or it failed). */
export class SourceError extends BoxUploadError {
  override readonly name: string = "SourceError";
}

/**
 * The source is not the bytes the upload began with: found before sending (resume identity) or
 * mid-way (a part reads differently than the server's copy). Nothing is committed either way.
 */
export class SourceChangedError extends SourceError {
  override readonly name = "SourceChangedError";
}

/** Why a commit's outcome is unknown; each reason says what really happened. */
export type CommitUncertainty =
  /** The commit's answer was lost (dropped connection, 5xx) and the session is now gone. */
  | "answer-lost"
  /** Box kept answering 202 (still processing) until `commitWaitMs` ran out; the session is kept. */
  | "still-processing"
  /** The caller aborted while a commit was in flight or being processed. */
  | "aborted"
  /** A state file records a commit for a session that no longer exists. */
  | "resumed-after-commit";

const UNCERTAINTY: Record<CommitUncertainty, string> = {
  "answer-lost": "its answer was lost and the session is gone, so it most likely went through",
  "still-processing": "Box was still processing it when the wait for it ran out; the session is kept",
  aborted: "the upload was aborted after the commit was sent, so it may have gone through",
  "resumed-after-commit": "the state file records a commit, and the session is gone, so it most likely went through",
};

/**
 * The commit may have gone through, so we neither upload again, nor abort, nor open a second
 * session. Check the file's current version against `sha1`. Built only by upload/commitGuard.ts.
 */
export class CommitUncertainError extends BoxUploadError {
  override readonly name = "CommitUncertainError";
  constructor(
    readonly sessionId: string,
    readonly sha1: string,
    readonly reason: CommitUncertainty,
    options?: { cause?: unknown },
  ) {
    super(
      `the outcome of the commit of upload session ${sessionId} is unknown: ${UNCERTAINTY[reason]}; ` +
        `check that the file's current version has SHA-1 ${sha1} before uploading again`,
      options,
    );
  }
}

/** Marks a failure that happened before a request left (waiting for a token or for its turn). */
const NOT_SENT = Symbol.for("box-chunked-upload.not-sent");

export function markNotSent<E>(err: E): E {
  if (err !== null && typeof err === "object") {
    try {
      Object.defineProperty(err, NOT_SENT, { value: true });
    } catch {
      /* a frozen error stays unmarked */
    }
  }
  return err;
}

/** True when `err`, or one along its cause chain, failed before its request left: Box cannot have seen it. */
export function wasNotSent(err: unknown): boolean {
  for (let e = err, depth = 0; e !== null && typeof e === "object" && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { [NOT_SENT]?: unknown })[NOT_SENT] === true) return true;
  }
  return false;
}
