/**
 * Every failure the client reports is one of these classes, so callers can branch on `instanceof`
 * (or on `name`, across realms) instead of parsing messages. None of them ever holds a token.
 */

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
export class BoxApiError extends Error {
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
}

/** The server acknowledged something other than what we sent, or answered outside the spec. */
export class BoxProtocolError extends Error {
  override readonly name = "BoxProtocolError";
}

/** The caller's AbortSignal fired. `cause` holds the signal's reason. */
export class UploadAbortedError extends Error {
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
export class SourceError extends Error {
  override readonly name: string = "SourceError";
}

/**
 * The source is not the bytes the upload began with: found before sending (resume identity) or
 * mid-way (a part reads differently than the server's copy). Nothing is committed either way.
 */
export class SourceChangedError extends SourceError {
  override readonly name = "SourceChangedError";
}

/**
 * The commit may have gone through (its answer was lost and the session is now gone), so we
 * neither upload again nor open a second session. Check the file's current version against `sha1`.
 */
export class CommitUncertainError extends Error {
  override readonly name = "CommitUncertainError";
  constructor(
    readonly sessionId: string,
    readonly sha1: string,
    options?: { cause?: unknown },
  ) {
    super(
      `the commit of upload session ${sessionId} most likely succeeded, but its answer was lost and the session is gone; ` +
        `check that the file's current version has SHA-1 ${sha1} before uploading again`,
      options,
    );
  }
}
