/** A folder sync's options as the caller writes them, its summary and events, and the checks (run once, before anything is sent). */
import { BoxInputError, SourceError } from "../core/errors";
import type { RetryOptions } from "../core/retry";
import { checkIntInRange, checkOptionsObject } from "../core/validate";
import { runSettings, type RunSettings } from "../upload/options";

/**
 * Files in flight by default. Measured on the sync bench's mixed tree (1,005 files, 1,050 MB,
 * 40 MB/s per request and 50 ms per answer): transfers 4 -> 23.0 s, 8 -> 14.3 s, 16 -> 10.5 s,
 * 32 -> 9.5 s. Small files are bound by round trips, so more in flight pays, but past 16 little;
 * a direct upload in flight holds about 1 MiB, so 16 costs little memory.
 */
export const DEFAULT_TRANSFERS = 16;
export const MAX_TRANSFERS = 64;

/**
 * Folders listed at once, by default (rclone's `--checkers`). Box answers a listing in 200 to
 * 500 ms and allows about 16 calls a second per user, so 8 in flight reach the call limit where one
 * at a time reaches 2 to 5 a second; measured in docs/measurements.md ("A nightly rerun").
 */
export const DEFAULT_CHECKERS = 8;
export const MAX_CHECKERS = 64;

export type OnConflict = "version" | "skip" | "fail";

export type SyncAction = "upload" | "version" | "skip" | "defer" | "move" | "create-folder" | "delete" | "fail";

/**
 * How one file of a sync settled: what was done, and what it cost. `bytesSent` is file bytes this
 * run sent for it; `bytesPlanned` what Box held already by the upload plan (never sent); a resumed
 * session's earlier parts are neither. `id`, `versionId` and `sha1` name the Box file it is now.
 */
export type FileOutcome =
  | {
      /** `defer`: not started, the run's window (maxDurationMs, maxTransferBytes) closed first: for the next run. */
      action: "upload" | "version" | "skip" | "defer";
      size: number;
      bytesSent: number;
      bytesPlanned: number;
      message?: string;
      id?: string;
      versionId?: string;
      sha1?: string;
      /** Skips: how Box's copy was found the same: by the index (not read) or by hashing the file. */
      compared?: "index" | "sha1";
    }
  | {
      action: "fail";
      size: number;
      error: string;
      /**
       * The file itself failed the upload (it changed while it was read, or could not be read):
       * not whole yet, so a watcher looks at it again once it has settled.
       */
      sourceFault?: true;
    };

/** A file that failed with `err`, said by `describe`; flagged when the fault is the source's (a SourceError). */
export function failed(size: number, err: unknown, describe: (err: unknown) => string): FileOutcome {
  return { action: "fail", size, error: describe(err), ...(err instanceof SourceError ? { sourceFault: true as const } : {}) };
}

/** A file not started (or stopped) because the run ended first: for the next run, `message` says why. */
export function deferred(size: number, message: string): FileOutcome {
  return { action: "defer", size, bytesSent: 0, bytesPlanned: 0, message };
}

export interface SyncEvent {
  /**
   * `folder` a Box folder was created (or would be, in a dry run); `file` a file was settled with
   * `action`; `deleted` a Box item with no local counterpart went to the trash (or would, in a dry
   * run); `failed` a file or folder
   * could not be put into Box (`error` says why; the rest of the tree goes on); `notice` something
   * was left out on purpose (a symlink, a special file).
   */
  type: "folder" | "file" | "moved" | "deleted" | "failed" | "notice";
  /** Relative to the local root, `/`-separated. */
  path: string;
  /** Moves: where the Box item was (relative to the root), before it moved to `path`. */
  from?: string;
  action?: SyncAction;
  /** File size in bytes (file events). */
  size?: number;
  /** Deletions: the items that went, a folder's contents included. */
  items?: number;
  /** Why a file was skipped, failed or left out. */
  message?: string;
  /** The Box item it is now (files settled, moves, deletions), its version and SHA-1 (files). */
  id?: string;
  versionId?: string;
  sha1?: string;
  /** File events: file bytes this run sent for it, and how long it took from its start to its end. */
  bytesSent?: number;
  seconds?: number;
}

export interface SyncProgress {
  /** Files seen by the walk so far, and whether the walk is over (then filesSeen is the total). */
  filesSeen: number;
  walkDone: boolean;
  filesDone: number;
  /** Bytes of files that need sending (seen so far), and file bytes handed to the network. */
  bytesToSend: number;
  bytesSent: number;
  /** Files being checked or sent right now. */
  inFlight: { path: string; size: number; bytesSent: number }[];
}

export interface SyncSummary {
  uploaded: number;
  versioned: number;
  skipped: number;
  failed: number;
  foldersCreated: number;
  /** Items sent to Box's trash by `deleteExtraneous` (a folder counts with what it held). */
  deleted: number;
  /** Box files and folders moved or renamed to where the local tree has them (a folder counts once): their ids, versions and shared links kept. */
  moved: number;
  /** File bytes this run sent (content of new files and versions; each part once; what Box held already not counted). */
  bytesSent: number;
  /** File bytes of new versions that Box held already by upload plans: not sent. */
  bytesPlanned: number;
  /** File bytes read from local files this run (to hash them, and to send them): what the index saves shows here. */
  bytesRead: number;
  /** Files not started because the run's window closed (maxDurationMs, maxTransferBytes), and their size: the next run's. */
  deferred: number;
  bytesDeferred: number;
  /** Why the run stopped starting files before the tree was done, if it did. */
  stopped?: "max-duration" | "max-transfer";
  seconds: number;
  failures: { path: string; error: string }[];
  /** Dry run only: what a real run would do, in the order files settle. */
  plan?: { path: string; action: SyncAction; from?: string; size?: number; items?: number; message?: string }[];
}

export interface SyncOptions {
  /** A local file whose name exists in Box with other content: new version (default), leave it, or count it failed. */
  onConflict?: OnConflict;
  /** Globs (picomatch, `/`-separated, dot files included; a pattern without `/` matches the name at any depth). Only files matching one are synced. */
  include?: string[];
  /** Globs of files and folders to leave out; an excluded folder is not walked. */
  exclude?: string[];
  /** Walk and compare only: nothing is created, uploaded or deleted; the summary's `plan` says what would be. */
  dryRun?: boolean;
  /**
   * Mirror: Box items in the synced folders with no local counterpart go to Box's trash (never
   * what the globs leave out, never where a listing failed, only after every file settled).
   */
  deleteExtraneous?: boolean;
  /** With `deleteExtraneous`: when more than this many items would go, nothing is deleted and the run fails. Moves are not deletions. */
  maxDelete?: number;
  /**
   * With `deleteExtraneous` (default true): an item that would be trashed and one that would be
   * uploaded with the same content are one Box move instead (rclone's `--track-renames`), so the
   * Box item keeps its id, versions, shared links and comments; a folder whose files match moves
   * whole. Without `deleteExtraneous` nothing is ever moved.
   */
  trackRenames?: boolean;
  /** Files in flight, 1..64. Default {@link DEFAULT_TRANSFERS}. */
  transfers?: number;
  /** Part uploads in flight across the whole tree, each holding one part buffer, 1..64. Default 8. */
  concurrency?: number;
  /** As for single uploads: Box's upload plan for new versions (default "auto"). */
  plan?: "auto" | "always" | "never";
  /** As for single uploads: at least this many bytes go up in a chunked session. */
  chunkedThreshold?: number;
  retry?: RetryOptions;
  /** Longest wait per file for Box to finish a commit (202 answers). */
  commitWaitMs?: number;
  signal?: AbortSignal;
  /**
   * A folder for resume state: a chunked file interrupted (kill -9 included) continues its session
   * on the next run. Without it, an interrupted chunked file starts over (never twice in Box).
   */
  stateDir?: string;
  /**
   * Hash every file to compare it with Box's copy, as without an index (rclone's `--checksum`). By
   * default a file whose identity (size, times, inode) is what the index recorded when it was last
   * hashed, and whose Box item still has that SHA-1, is skipped without being read.
   */
  checksum?: boolean;
  /** Folders listed at once, 1..64. Default {@link DEFAULT_CHECKERS}. */
  checkers?: number;
  /**
   * The run's window: no new file starts once this many ms have passed since the run began (files
   * in flight finish, or with `cutoff: "hard"` stop and keep their resume state). The rest is
   * deferred to the next run: see the summary's `deferred` and `stopped`.
   */
  maxDurationMs?: number;
  /** At `maxDurationMs`: `soft` (default) lets files in flight finish; `hard` stops them too. */
  cutoff?: "soft" | "hard";
  /** No file starts that would take the bytes this run sends past this; the rest is deferred. */
  maxTransferBytes?: number;
  onEvent?: (event: SyncEvent) => void;
  onProgress?: (progress: SyncProgress) => void;
}

/** A sync's options resolved once for the whole run: every file and the walk share them. */
export interface SyncSettings {
  onConflict: OnConflict;
  include: string[];
  exclude: string[];
  dryRun: boolean;
  deleteExtraneous: boolean;
  maxDelete: number | undefined;
  trackRenames: boolean;
  transfers: number;
  /** Threshold, retry policy, commit wait and the one budget of part buffers, for every file. */
  run: RunSettings;
  signal: AbortSignal | undefined;
  stateDir: string | undefined;
  checksum: boolean;
  checkers: number;
  maxDurationMs: number | undefined;
  cutoff: "soft" | "hard";
  maxTransferBytes: number | undefined;
  onEvent: (event: SyncEvent) => void;
  onProgress: ((progress: SyncProgress) => void) | undefined;
}

function globs(argument: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((g) => typeof g !== "string" || g.length === 0)) {
    throw new BoxInputError(argument, "must be an array of non-empty glob strings");
  }
  return value as string[];
}

function flag(argument: string, value: unknown): boolean {
  if (value !== undefined && typeof value !== "boolean") throw new BoxInputError(argument, "must be a boolean");
  return value === true;
}

function cutoffOf(value: unknown): "soft" | "hard" {
  if (value === undefined) return "soft";
  if (value !== "soft" && value !== "hard") throw new BoxInputError("options.cutoff", 'must be "soft" or "hard"');
  return value;
}

function callback<T>(argument: string, value: unknown): T | undefined {
  if (value !== undefined && typeof value !== "function") throw new BoxInputError(argument, "must be a function");
  return value as T | undefined;
}

export function syncSettings(raw: unknown): SyncSettings {
  const given = checkOptionsObject<SyncOptions>("options", raw);
  const onConflict = given.onConflict ?? "version";
  if (!["version", "skip", "fail"].includes(onConflict)) throw new BoxInputError("options.onConflict", 'must be "version", "skip" or "fail"');
  if (given.dryRun !== undefined && typeof given.dryRun !== "boolean") throw new BoxInputError("options.dryRun", "must be a boolean");
  if (given.deleteExtraneous !== undefined && typeof given.deleteExtraneous !== "boolean") throw new BoxInputError("options.deleteExtraneous", "must be a boolean");
  if (given.maxDelete !== undefined && !given.deleteExtraneous) throw new BoxInputError("options.maxDelete", "applies with deleteExtraneous only");
  if (given.signal !== undefined && !(given.signal instanceof AbortSignal)) throw new BoxInputError("options.signal", "must be an AbortSignal");
  if (given.stateDir !== undefined && (typeof given.stateDir !== "string" || given.stateDir.length === 0)) throw new BoxInputError("options.stateDir", "must be a non-empty path");
  return {
    onConflict,
    include: globs("options.include", given.include),
    exclude: globs("options.exclude", given.exclude),
    dryRun: given.dryRun ?? false,
    deleteExtraneous: given.deleteExtraneous ?? false,
    maxDelete: given.maxDelete === undefined ? undefined : checkIntInRange("options.maxDelete", given.maxDelete, 0, Number.MAX_SAFE_INTEGER),
    trackRenames: given.deleteExtraneous === true && (given.trackRenames === undefined ? true : flag("options.trackRenames", given.trackRenames)),
    transfers: given.transfers === undefined ? DEFAULT_TRANSFERS : checkIntInRange("options.transfers", given.transfers, 1, MAX_TRANSFERS),
    run: runSettings(given),
    signal: given.signal,
    stateDir: given.stateDir,
    checksum: flag("options.checksum", given.checksum),
    checkers: given.checkers === undefined ? DEFAULT_CHECKERS : checkIntInRange("options.checkers", given.checkers, 1, MAX_CHECKERS),
    maxDurationMs: given.maxDurationMs === undefined ? undefined : checkIntInRange("options.maxDurationMs", given.maxDurationMs, 0, Number.MAX_SAFE_INTEGER),
    cutoff: cutoffOf(given.cutoff),
    maxTransferBytes: given.maxTransferBytes === undefined ? undefined : checkIntInRange("options.maxTransferBytes", given.maxTransferBytes, 0, Number.MAX_SAFE_INTEGER),
    onEvent: callback<(e: SyncEvent) => void>("options.onEvent", given.onEvent) ?? (() => undefined),
    onProgress: callback<(p: SyncProgress) => void>("options.onProgress", given.onProgress),
  };
}
