/**
 * One file of the tree, start to end: compare with what Box holds under its name (same size and
 * SHA-1: skipped, no byte sent), then a new file or a new version through the one-file upload
 * paths, sharing the tree's budget. A failure is this file's alone: it is recorded and the walk
 * goes on. Resume state (chunked files only) is kept per file, named by the root and the path.
 */
import type { CallOptions } from "../api/boxApi";
import { sha1Hex, type Sha1Factory } from "../core/digest";
import { BoxProtocolError } from "../core/errors";
import type { PartBudget } from "../upload/budget";
import type { UploadPlatform } from "../upload/ports";
import { identify, parseState, sameTarget, sourceMismatch, type UploadTarget } from "../upload/resume";
import { sha1Of, SLICE } from "../upload/direct";
import { upload } from "../upload/run";
import type { SyncSettings } from "./options";
import type { LocalTree, SyncApi, SyncPlatform } from "./ports";
import { conflictItem, type RemoteItem } from "./remote";
import type { Tally } from "./tally";
import type { FileJob } from "./walk";

export interface TransferContext {
  api: SyncApi;
  platform: UploadPlatform;
  sync: SyncPlatform;
  tree: LocalTree;
  rootId: string;
  s: SyncSettings;
  tally: Tally;
  budget: PartBudget;
  call: CallOptions;
  describe: (err: unknown) => string;
}

/** SHA-1 of a local file, read in 1 MiB slices into one buffer. */
async function fileSha1(platform: UploadPlatform, path: string, signal: AbortSignal | undefined): Promise<{ sha1: string; size: number }> {
  const reader = await platform.openFile(path, undefined);
  try {
    // One buffer for every slice: the bytes are hashed and dropped, never sent on.
    const buffer = new Uint8Array(Math.min(SLICE, Math.max(1, reader.size)));
    const source = { size: reader.size, read: (offset: number, size: number) => reader.read({ index: -1, offset, size }, buffer) };
    return { sha1: await sha1Of(source, platform, false, signal), size: reader.size };
  } finally {
    await reader.close().catch(() => undefined);
  }
}

/**
 * Whether the local file holds exactly what Box's item holds (hashing only when the sizes agree).
 * An item listed without its SHA-1 is read once more; still without one, the file fails rather
 * than risk a needless version of identical bytes.
 */
async function sameAsBox(ctx: TransferContext, path: string, size: number, remote: RemoteItem): Promise<boolean> {
  if (remote.size !== undefined && remote.size !== size) return false;
  if (remote.sha1 === undefined) {
    const file = await ctx.api.getFile(remote.id, ["sha1", "size", "etag"], ctx.call);
    if (typeof file.sha1 !== "string") throw new BoxProtocolError(`Box gave no SHA-1 for file ${remote.id}; cannot tell whether it differs`);
    remote = { ...remote, sha1: file.sha1, ...(typeof file.size === "number" ? { size: file.size } : {}) };
    if (remote.size !== undefined && remote.size !== size) return false;
  }
  const local = await fileSha1(ctx.platform, ctx.tree.filePath(path), ctx.s.signal);
  return local.sha1 === remote.sha1 && (remote.size === undefined || local.size === remote.size);
}

function stateName(sha1: Sha1Factory, rootId: string, path: string): string {
  return sha1Hex(sha1, new TextEncoder().encode(`${rootId}\n${path}`));
}

/**
 * The state file for a chunked file, after dropping one that cannot continue: another target (the
 * file was committed, or Box's copy changed), another source (the local file changed), unreadable.
 * `target` undefined drops any state (the file needs no upload).
 */
async function stateFor(ctx: TransferContext, job: FileJob, target: UploadTarget | undefined): Promise<string | undefined> {
  if (!ctx.s.stateDir || job.size < ctx.s.chunkedThreshold || ctx.s.dryRun) return undefined;
  const path = await ctx.sync.statePath(ctx.s.stateDir, stateName(ctx.platform.sha1, ctx.rootId, job.path));
  const store = ctx.platform.stateStore(path);
  await store.acquire();
  try {
    let usable = false;
    try {
      const raw = await store.load();
      if (raw === undefined) return path;
      if (target) {
        const previous = parseState(raw, path);
        const reader = await ctx.platform.openFile(ctx.tree.filePath(job.path), undefined);
        const identity = await identify(reader, ctx.platform.sha1).finally(() => reader.close().catch(() => undefined));
        usable = !!previous && sameTarget(previous.target, target) && sourceMismatch(previous.source, identity) === undefined;
      }
    } catch {
      // Unreadable, empty or malformed (a crash mid-write of another tool, a full disk): start over.
      usable = false;
    }
    // A session left behind here never commits and expires on its own (Box: 7 days).
    if (!usable) await store.remove();
    return path;
  } finally {
    await store.release();
  }
}

async function send(ctx: TransferContext, job: FileJob, target: UploadTarget, remote: RemoteItem | undefined): Promise<void> {
  const { s, tally } = ctx;
  const action = target.kind === "new" ? "upload" : "version";
  tally.toSend(job.path, job.size);
  if (s.dryRun) return tally.done(job.path, action, job.size, 0);
  const statePath = await stateFor(ctx, job, target);
  let resumed = 0;
  await upload(
    ctx.api,
    ctx.platform,
    target,
    ctx.tree.filePath(job.path),
    {
      chunkedThreshold: s.chunkedThreshold,
      concurrency: ctx.budget.slots,
      ...(s.retry ? { retry: s.retry } : {}),
      ...(s.commitWaitMs !== undefined ? { commitWaitMs: s.commitWaitMs } : {}),
      ...(s.signal ? { signal: s.signal } : {}),
      // Box's copy as listed: if someone changes it meanwhile, the commit is refused (412), not overwritten.
      ...(target.kind === "version" && remote?.etag ? { ifMatch: remote.etag } : {}),
      ...(statePath ? { resume: { path: statePath } } : {}),
      onProgress: (p) => {
        resumed = p.bytesResumed;
        tally.sent(job.path, p.bytesSent);
      },
    },
    // A new file's name was just listed as free: no preflight (a race still ends in a 409, handled below).
    { budget: ctx.budget, preflight: target.kind !== "new" },
  );
  tally.done(job.path, action, job.size, Math.max(0, job.size - resumed));
}

/** Settles one file against Box's item `remote` (or its absence), per `onConflict`. */
async function settle(ctx: TransferContext, job: FileJob, remote: RemoteItem | undefined, afterConflict: boolean): Promise<void> {
  const { s, tally } = ctx;
  if (remote && remote.type !== "file") {
    return tally.failed(job.path, `Box holds a ${remote.type.replace("_", " ")} named "${remote.name}" where this file goes`, job.size);
  }
  if (!remote) {
    if (job.folderId === undefined) return send(ctx, job, { kind: "new", folderId: "0", fileName: job.name }, undefined); // dry run only
    try {
      return await send(ctx, job, { kind: "new", folderId: job.folderId, fileName: job.name }, undefined);
    } catch (err) {
      // Listed as absent, refused as taken: another client (or a run we cannot see) put it there. Decide again, once.
      const taken = conflictItem(err);
      if (!taken || afterConflict || s.signal?.aborted) throw err;
      return settle(ctx, job, taken, true);
    }
  }
  if (await sameAsBox(ctx, job.path, job.size, remote)) {
    await stateFor(ctx, job, undefined);
    return tally.done(job.path, "skip", job.size, 0);
  }
  if (s.onConflict === "skip") return tally.done(job.path, "skip", job.size, 0, "differs from Box's copy; left as it is (onConflict skip)");
  if (s.onConflict === "fail") return tally.failed(job.path, "differs from the file of this name in Box (onConflict fail)", job.size);
  return send(ctx, job, { kind: "version", fileId: remote.id }, remote);
}

export async function transfer(ctx: TransferContext, job: FileJob): Promise<void> {
  ctx.tally.begin(job.path, job.size);
  try {
    await settle(ctx, job, job.remote, false);
  } catch (err) {
    if (ctx.s.signal?.aborted) throw err;
    ctx.tally.failed(job.path, ctx.describe(err), job.size);
  }
}
