/** The uploader's options, as the caller writes them and as the run uses them (checked once). */
import { BoxInputError } from "../core/errors";
import { retryPolicy, type RetryOptions, type RetryPolicy } from "../core/retry";
import { checkByteCount, checkFileName, checkHeaderValue, checkIntInRange, checkOptionsObject } from "../core/validate";
import { PartBudget } from "./budget";
import type { UploadTarget } from "./resume";
import type { ContentTimes } from "../api/types";

/**
 * Parts in flight by default. Measured on 256 MiB shaped like a link to Box (40 MB/s per request,
 * 50 ms latency): 1 -> 29 MB/s, 4 -> 105, 8 -> 182, 16 -> 242. Past 8 each doubling buys ~30%
 * for twice the part buffers, so 8 it is; raise it on fat pipes, lower it on small machines.
 */
export const DEFAULT_CONCURRENCY = 8;
export const MAX_CONCURRENCY = 64;

/**
 * Box's minimum for a chunked session. Smaller files go up in one direct request; at and above it,
 * chunked with parts in parallel is faster on a link shaped like Box's (see README, "Measurements").
 */
export const CHUNKED_MIN_SIZE = 20_000_000;

export interface UploadProgress {
  /** The chunked session's id; "" for a direct (one-request) upload. */
  sessionId: string;
  /** Bytes Box has acknowledged (parts stored). Never decreases, never exceeds totalBytes. */
  bytesUploaded: number;
  /** Bytes handed to the network, in flight included (>= bytesUploaded). Never decreases. */
  bytesSent: number;
  /** Bytes a resumed session already held when this run began, as they are checked: not this run's work, so no part of its speed. */
  bytesResumed: number;
  /** Bytes Box already held by the upload plan (a new version's unchanged parts): counted as uploaded, never sent. */
  bytesPlanned: number;
  /** Parts a resumed session already held when this run began, all of them from the first event (0 when not resuming). */
  resumedParts: number;
  totalBytes: number;
  partsUploaded: number;
  totalParts: number;
  /**
   * Where a plan was asked for (`plan` "always", or "auto" for a version whose session offers
   * one): `used` once Box answered it, `unavailable` when Box would not plan and every part is
   * sent instead. Absent when no plan was asked for.
   */
  plan?: "used" | "unavailable";
}

export interface UploadOptions {
  /** Size of the source in bytes. Required for streams; checked against files, buffers and blobs. */
  size?: number;
  /** New versions only: rename the file on commit. */
  fileName?: string;
  /**
   * Files of at least this many bytes use a chunked session; smaller ones one direct request.
   * Default Box's chunked minimum, {@link CHUNKED_MIN_SIZE}; Box refuses smaller sessions, so a
   * lower value is only for servers that allow them (the local test server).
   */
  chunkedThreshold?: number;
  /** Parts in flight, 1..64. Default {@link DEFAULT_CONCURRENCY}. */
  concurrency?: number;
  /**
   * Box's upload plan: send only the parts Box does not already hold. `"auto"` (default): for a
   * new version, when the session names a plan endpoint; `"always"`: for every chunked upload;
   * `"never"`. A plan that cannot be had means a plain upload; see docs/guide.md.
   */
  plan?: PlanMode;
  onProgress?: (progress: UploadProgress) => void;
  /**
   * Stops the upload at once (requests in flight are cancelled, a pending read is dropped), aborts
   * the session (unless resuming) and rejects with UploadAbortedError, or with CommitUncertainError
   * if a commit had already been sent.
   */
  signal?: AbortSignal;
  /** New versions only: commit only if the file's etag still matches. */
  ifMatch?: string;
  /** How failed requests are retried; see {@link RetryOptions}. */
  retry?: RetryOptions;
  /** Longest total wait for Box to finish processing a commit (202 answers). Default 15 minutes. */
  commitWaitMs?: number;
  /**
   * The content's times, kept by Box as the file's `content_modified_at` and (new files only)
   * `content_created_at`, to the second. A path's own times are sent without asking (its
   * modification time, and its birth time where the platform keeps one); these override them, and
   * give times to a Buffer, Blob or stream, which have none.
   */
  contentModifiedAt?: Date | string;
  contentCreatedAt?: Date | string;
  /**
   * Record progress in a state file so a later run (after a crash, kill -9 included) continues the
   * same session. On failure the session is kept for that run; on success the file is removed.
   */
  resume?: { path: string };
}

/** What every file of a run shares, resolved once (a single upload is a run of one file). */
export type PlanMode = "auto" | "always" | "never";

export interface RunSettings {
  chunkedThreshold: number;
  plan: PlanMode;
  retry: RetryPolicy;
  /** Longest total wait per file for Box to finish a commit (202 answers). */
  commitWaitMs: number;
  /** Requests with a part buffer in flight, and those buffers: the one bound on parts in flight. */
  budget: PartBudget;
}

/** The options a run of many files shares, as the caller writes them (an upload's, or a sync's). */
export type RunOptions = Pick<UploadOptions, "chunkedThreshold" | "concurrency" | "retry" | "commitWaitMs" | "plan">;

/** Resolves a run's shared settings once: checked, defaults applied, the one budget made. */
export function runSettings(given: RunOptions): RunSettings {
  const concurrency = given.concurrency === undefined ? DEFAULT_CONCURRENCY : checkIntInRange("options.concurrency", given.concurrency, 1, MAX_CONCURRENCY);
  if (given.plan !== undefined && !["auto", "always", "never"].includes(given.plan)) throw new BoxInputError("options.plan", 'must be "auto", "always" or "never"');
  return {
    plan: given.plan ?? "auto",
    chunkedThreshold: given.chunkedThreshold === undefined ? CHUNKED_MIN_SIZE : checkIntInRange("options.chunkedThreshold", given.chunkedThreshold, 1, Number.MAX_SAFE_INTEGER),
    retry: retryPolicy(given.retry),
    commitWaitMs: given.commitWaitMs === undefined ? 15 * 60_000 : checkByteCount("options.commitWaitMs", given.commitWaitMs, 0),
    budget: new PartBudget(concurrency),
  };
}

/** One upload call's options, checked before anything is opened or sent. */
export interface CheckedUpload {
  run: RunSettings;
  size: number | undefined;
  fileName: string | undefined;
  ifMatch: string | undefined;
  signal: AbortSignal | undefined;
  onProgress: ((p: UploadProgress) => void) | undefined;
  /** Handed to the platform's state store, which checks it. */
  resumePath: string | undefined;
  /** Content times given in the options, as Box takes them (a path's own fill in what is missing). */
  times: ContentTimes;
}

/** RFC 3339 holds years 0000 to 9999 only. */
const FIRST_MS = Date.parse("0000-01-01T00:00:00Z");
const LAST_MS = Date.parse("9999-12-31T23:59:59Z");

/** Epoch milliseconds as RFC 3339 to the second, in UTC: what Box keeps of a time; undefined outside years 0-9999. */
export function rfc3339(ms: number): string | undefined {
  if (!Number.isFinite(ms) || ms > LAST_MS || ms < FIRST_MS) return undefined;
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

function timeOption(argument: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : typeof value === "string" ? Date.parse(value) : Number.NaN;
  const text = rfc3339(ms);
  if (text === undefined) throw new BoxInputError(argument, "must be a Date or an RFC 3339 date-time between the years 0 and 9999");
  return text;
}

/**
 * The times an upload sends: those given in the options, else the file's own; the created time
 * for new files only (Box keeps a version's modification time, not a new creation time).
 */
export function contentTimes(given: ContentTimes, fileTimes: { modifiedMs: number; createdMs?: number } | undefined, target: UploadTarget): ContentTimes {
  // A file's own time RFC 3339 cannot write (a bogus year past 9999) is not sent rather than failing the upload.
  const modified = given.contentModifiedAt ?? (fileTimes ? rfc3339(fileTimes.modifiedMs) : undefined);
  const created = target.kind === "new" ? (given.contentCreatedAt ?? (fileTimes?.createdMs ? rfc3339(fileTimes.createdMs) : undefined)) : undefined;
  return { ...(modified ? { contentModifiedAt: modified } : {}), ...(created ? { contentCreatedAt: created } : {}) };
}

export function checkUploadOptions(raw: unknown, target: UploadTarget): CheckedUpload {
  const given = checkOptionsObject<UploadOptions>("options", raw);
  if (target.kind === "new" && given.fileName !== undefined) {
    throw new BoxInputError("options.fileName", "is for new versions; a new file takes its name as an argument");
  }
  if (target.kind === "version" && given.contentCreatedAt !== undefined) {
    throw new BoxInputError("options.contentCreatedAt", "applies to new files only (a version keeps the file's creation time)");
  }
  if (target.kind === "new" && given.ifMatch !== undefined) {
    throw new BoxInputError("options.ifMatch", "applies to new versions of existing files only");
  }
  if (given.onProgress !== undefined && typeof given.onProgress !== "function") {
    throw new BoxInputError("options.onProgress", "must be a function");
  }
  if (given.signal !== undefined && !(given.signal instanceof AbortSignal)) {
    throw new BoxInputError("options.signal", "must be an AbortSignal");
  }
  const resume = given.resume === undefined ? undefined : checkOptionsObject<{ path: string }>("options.resume", given.resume);
  return {
    run: runSettings(given),
    size: given.size === undefined ? undefined : checkByteCount("options.size", given.size, 0),
    fileName: given.fileName === undefined ? undefined : checkFileName("options.fileName", given.fileName),
    ifMatch: checkHeaderValue("options.ifMatch", given.ifMatch),
    signal: given.signal,
    onProgress: given.onProgress,
    resumePath: resume?.path as string | undefined,
    times: {
      ...(given.contentModifiedAt !== undefined ? { contentModifiedAt: timeOption("options.contentModifiedAt", given.contentModifiedAt)! } : {}),
      ...(given.contentCreatedAt !== undefined ? { contentCreatedAt: timeOption("options.contentCreatedAt", given.contentCreatedAt)! } : {}),
    },
  };
}
