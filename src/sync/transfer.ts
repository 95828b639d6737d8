/**
 * One file of the tree, start to end: compare with what Box holds under its name (same size and
 * SHA-1: skipped, no byte sent), then a new file or a new version through the same upload path a
 * single upload takes (upload/run.ts), sharing the run's settings and budget. The file is opened
 * once, hashed at most once, and its resume record (chunked files only, one per root and path)
 * claimed and checked once. A failure is this file's alone: it is the outcome, and the run goes on.
 */
import type { BoxFile, CallOptions } from "../api/boxApi";
import { sha1Hex } from "../core/digest";
import { BoxProtocolError } from "../core/errors";
import { sha1Of, SLICE } from "../upload/direct";
import type { ResumeSlot } from "../upload/job";
import { contentTimes } from "../upload/options";
import { examineResume, identify, type StateStore, type UploadTarget } from "../upload/resume";
import { uploadJob } from "../upload/run";
import type { PartReader } from "../upload/sources";
import { deferred, failed, type FileOutcome, type SyncSettings } from "./options";
import type { IndexEntry, LocalTree, SyncDeps } from "./ports";
import { unchanged } from "./quickCheck";
import { conflictItem, type RemoteItem } from "./remote";
import type { FileJob } from "./walk";

/** What a transfer says while it runs: a run's Tally, or (a file taken from a queue) that one job's progress. */
export interface FileProgress {
  /** The file needs sending: counted once in the bytes to send. */
  toSend(path: string, size: number): void;
  /** File bytes this run has handed to the network for it so far. */
  sent(path: string, bytesSent: number): void;
}

/** The run's window for files that send (window.ts): admitted at their size, and what they did not send given back. */
export interface TransferBudget {
  admit(size: number): boolean;
  spent(reservedBytes: number, sentBytes: number): void;
}

export interface TransferContext {
  deps: SyncDeps;
  tree: LocalTree;
  rootId: string;
  settings: SyncSettings;
  progress: FileProgress;
  /** This file's signal (the run's, fanned out). */
  signal: AbortSignal;
  /** The resume record of a file by name (claimed by the caller); undefined when the run keeps none. */
  states: ((name: string) => Promise<StateStore>) | undefined;
  /** The index's entry for this file, when the run keeps an index (the quick check compares it). */
  indexed?: IndexEntry | undefined;
  budget?: TransferBudget;
}
/** One local file, opened at first need and hashed at most once. */
class LocalFile {
  private opened: Promise<PartReader> | undefined;
  /** The whole file's SHA-1, once read for a comparison (then the upload need not read it again). */
  sha1: string | undefined;

  constructor(
    private readonly ctx: Pick<TransferContext, "deps" | "tree" | "signal">,
    readonly job: FileJob,
  ) {
    this.sha1 = job.sha1;
  }

  reader(): Promise<PartReader> {
    this.opened ??= this.ctx.deps.platform.openFile(this.ctx.tree.filePath(this.job.path), undefined);
    return this.opened;
  }

  async hash(): Promise<string> {
    if (this.sha1 !== undefined) return this.sha1;
    const reader = await this.reader();
    // One buffer for every slice: the bytes are hashed and dropped, never sent on.
    const buffer = new Uint8Array(Math.min(SLICE, Math.max(1, reader.size)));
    const source = { size: reader.size, read: (offset: number, size: number) => reader.read({ index: -1, offset, size }, buffer) };
    this.sha1 = await sha1Of(source, this.ctx.deps.platform, false, this.ctx.signal);
    return this.sha1;
  }

  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    if (opened) await opened.then((r) => r.close()).catch(() => undefined);
  }
}

/** A local file's SHA-1, read once (a rename tracker's, to pair it with a Box-only file). */
export async function hashFile(ctx: Pick<TransferContext, "deps" | "tree" | "signal">, job: FileJob): Promise<string> {
  const file = new LocalFile(ctx, job);
  try {
    return await file.hash();
  } finally {
    await file.close();
  }
}

/**
 * Whether the local file holds exactly what Box's item holds (hashing only when the sizes agree).
 * An item listed without its SHA-1 is read once more; still without one, the file fails rather
 * than risk a needless version of identical bytes.
 */
async function sameAsBox(ctx: TransferContext, file: LocalFile, remote: RemoteItem): Promise<"index" | "sha1" | false> {
  const size = file.job.size;
  if (remote.size !== undefined && remote.size !== size) return false;
  // The quick check: unchanged since it was hashed, and Box's item still what it became: not read.
  if (!ctx.settings.checksum && unchanged(ctx.indexed, file.job.identity, remote)) return "index";
  if (remote.sha1 === undefined) {
    const listed = await ctx.deps.api.getFile(remote.id, ["sha1", "size", "etag"], { signal: ctx.signal });
    if (typeof listed.sha1 !== "string") throw new BoxProtocolError(`Box gave no SHA-1 for file ${remote.id}; cannot tell whether it differs`);
    remote = { ...remote, sha1: listed.sha1, ...(typeof listed.size === "number" ? { size: listed.size } : {}) };
    if (remote.size !== undefined && remote.size !== size) return false;
  }
  return (await file.hash()) === remote.sha1 ? "sha1" : false;
}

/** A file's name in the resume state and the index: the Box folder synced into and the path, hashed. */
export function fileKey(sha1: SyncDeps["platform"]["sha1"], rootId: string, path: string): string {
  return sha1Hex(sha1, new TextEncoder().encode(`${rootId}\n${path}`));
}

function stateName(ctx: TransferContext, path: string): string {
  return fileKey(ctx.deps.platform.sha1, ctx.rootId, path);
}

/**
 * The resume record for a chunked file, claimed for this upload. One that cannot continue it
 * (another target: the file was committed, or Box's copy changed; another source: the local file
 * changed; unreadable: a crash mid-write of another tool, a full disk) is dropped, and the file
 * starts afresh: a session left behind never commits and expires on its own (Box: 7 days).
 */
async function claimResume(ctx: TransferContext, file: LocalFile, reader: PartReader, target: UploadTarget): Promise<ResumeSlot | undefined> {
  if (!ctx.states || reader.size < ctx.settings.run.chunkedThreshold) return undefined;
  const store = await ctx.states(stateName(ctx, file.job.path));
  await store.acquire();
  try {
    const sha1 = ctx.deps.platform.sha1;
    const found = await examineResume(store, reader, target, sha1).catch(() => undefined);
    if (found?.previous) return { store, identity: found.identity, previous: found.previous };
    await store.remove();
    return { store, identity: found?.identity ?? (await identify(reader, sha1)), previous: undefined };
  } catch (err) {
    await store.release();
    throw err;
  }
}

/** Drops a file's resume record when it needs no upload (Box already holds it). */
async function dropResume(ctx: TransferContext, file: LocalFile): Promise<void> {
  if (!ctx.states || file.job.size < ctx.settings.run.chunkedThreshold) return;
  const store = await ctx.states(stateName(ctx, file.job.path));
  await store.acquire();
  await store.remove().finally(() => store.release());
}

/** What an upload made of the file, for the outcome. */
const made = (file: BoxFile) => ({ ...(file.id ? { id: file.id } : {}), ...(file.file_version?.id ? { versionId: file.file_version.id } : {}), ...(file.sha1 ? { sha1: file.sha1 } : {}) });

async function send(ctx: TransferContext, file: LocalFile, target: UploadTarget, remote: RemoteItem | undefined): Promise<FileOutcome> {
  const { settings, progress } = ctx;
  const { path, size } = file.job;
  const action = target.kind === "new" ? "upload" : "version";
  // The run's window: a file that would take the run past it waits for the next run.
  if (ctx.budget && !ctx.budget.admit(size)) return deferred(size, "not started: the run's window closed (the next run sends it)");
  progress.toSend(path, size);
  if (settings.dryRun) return { action, size, bytesSent: 0, bytesPlanned: 0, ...(remote ? { id: remote.id } : {}) };
  let resumed = 0;
  let planned = 0;
  let sent = 0;
  let total = size;
  let uploaded: BoxFile;
  let resume: ResumeSlot | undefined;
  try {
    const reader = await file.reader();
    total = reader.size;
    resume = await claimResume(ctx, file, reader, target);
    uploaded = await uploadJob(ctx.deps, {
      target,
      source: reader,
      run: settings.run,
      signal: ctx.signal,
      onProgress: (p) => {
        resumed = p.bytesResumed;
        planned = p.bytesPlanned;
        sent = p.bytesSent;
        progress.sent(path, p.bytesSent);
      },
      fileName: undefined,
      // Box's copy as listed: if someone changes it meanwhile, the commit is refused (412), not overwritten.
      ifMatch: target.kind === "version" ? remote?.etag : undefined,
      // A new file's name was just listed as free: no preflight (a race still ends in a 409, handled below).
      preflight: target.kind !== "new",
      resume,
      sha1: file.sha1,
      // The local file's times, as a single upload of it sends them.
      times: contentTimes({}, reader.fileTimes, target),
    });
  } finally {
    await resume?.store.release();
    ctx.budget?.spent(size, sent);
  }
  return { action, size: total, bytesSent: Math.max(0, total - resumed - planned), bytesPlanned: planned, ...made(uploaded) };
}

/** Settles one file against Box's item `remote` (or its absence), per `onConflict`. */
async function settle(ctx: TransferContext, file: LocalFile, remote: RemoteItem | undefined, afterConflict: boolean): Promise<FileOutcome> {
  const { settings } = ctx;
  const { size, folderId, name } = file.job;
  if (remote && remote.type !== "file") {
    return { action: "fail", size, error: `Box holds a ${remote.type.replace("_", " ")} named "${remote.name}" where this file goes` };
  }
  if (!remote) {
    if (folderId === undefined) return send(ctx, file, { kind: "new", folderId: "0", fileName: name }, undefined); // dry run only
    try {
      return await send(ctx, file, { kind: "new", folderId, fileName: name }, undefined);
    } catch (err) {
      // Listed as absent, refused as taken: another client (or a run we cannot see) put it there. Decide again, once.
      const taken = conflictItem(err);
      if (!taken || afterConflict || ctx.signal.aborted) throw err;
      return settle(ctx, file, taken, true);
    }
  }
  const same = { size, bytesSent: 0, bytesPlanned: 0, id: remote.id, ...(remote.sha1 ? { sha1: remote.sha1 } : {}) };
  const compared = await sameAsBox(ctx, file, remote);
  if (compared) {
    if (compared === "sha1") await dropResume(ctx, file);
    return { action: "skip", ...same, compared, ...(file.sha1 ? { sha1: file.sha1 } : {}) };
  }
  if (settings.onConflict === "skip") return { action: "skip", ...same, message: "differs from Box's copy; left as it is (onConflict skip)" };
  if (settings.onConflict === "fail") return { action: "fail", size, error: "differs from the file of this name in Box (onConflict fail)" };
  return send(ctx, file, { kind: "version", fileId: remote.id }, remote);
}

/** One file, to its outcome; a failure of its own is its outcome, an abort is thrown. */
export async function transfer(ctx: TransferContext, job: FileJob): Promise<FileOutcome> {
  const file = new LocalFile(ctx, job);
  try {
    return await settle(ctx, file, job.remote, false);
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return failed(job.size, err, ctx.deps.describe);
  } finally {
    await file.close();
  }
}
