/**
 * The walk: `checkers` folders listed at once (rclone's name for it; each lists Box's side and the
 * local side together), each yielding a job per file to sync as the transfers ask for them, so a
 * tree of many folders is listed as fast as Box's call rate allows, not one round trip after
 * another. Depth first (a stack), so what is held stays small: the Box items of the folders being
 * listed (at most `checkers` of them), at most READY jobs waiting for a transfer, and the
 * sub-folders still to list (a path and an id each). Never the tree. Box folders are made as the
 * walk reaches them, so a file's folder exists before its job does; a mirror is told each folder
 * once both of its listings are whole, and deletes nothing before the walk has ended.
 */
import { retrying } from "../core/retry";
import { checkFileName } from "../core/validate";
import { globs, type Globs } from "./globs";
import type { Mirror } from "./mirror";
import type { SyncSettings } from "./options";
import type { LocalIdentity, LocalTree, SyncApi } from "./ports";
import { ensureFolder, folderIndex, nameKey, type RemoteItem } from "./remote";
import type { Tally } from "./tally";

export interface FileJob {
  /** Relative to the root, `/`-separated. */
  path: string;
  name: string;
  /** The Box folder it goes into; undefined in a dry run when that folder does not exist yet. */
  folderId: string | undefined;
  size: number;
  mtimeMs: number;
  /** What the local file is, for the quick check against the index (where the platform gives it). */
  identity?: LocalIdentity;
  /** What Box holds under this name in that folder, if anything. */
  remote: RemoteItem | undefined;
  /** Its SHA-1, where something read it already this run (a rename tracker pairing it): not read again. */
  sha1?: string;
}

interface PendingFolder {
  path: string;
  folderId: string | undefined;
}

export interface WalkContext {
  api: SyncApi;
  tree: LocalTree;
  rootId: string;
  settings: SyncSettings;
  tally: Tally;
  /** The run's signal (the caller's, or a fatal failure's). */
  signal: AbortSignal;
  describe: (err: unknown) => string;
  /** With `deleteExtraneous`: told each folder listed whole on both sides. */
  mirror: Mirror | undefined;
  /** Where to start: a folder of the tree and its Box folder (default: the root). */
  from?: { path: string; folderId: string };
  /**
   * Renames tracked: a local folder Box does not hold is not made as the walk reaches it but told
   * here (it may be a Box folder that moved); the walk goes on into it, its files with no Box folder.
   */
  newFolder?: (folder: { path: string; name: string; parentId: string | undefined }) => void;
  /** Whether to go into a sub-folder Box holds too (default: always); a folder Box lacks is always walked. */
  descend?: (path: string) => boolean;
  /** Which files to hand on (default: all); the others are only listed (a mirror keeps their Box namesakes). */
  take?: (file: FileJob) => boolean;
  /** Told each folder walked with its Box id. */
  onFolder?: (path: string, folderId: string) => void;
}

/** Jobs found and not yet taken by a transfer, at most: listings wait for room beyond it. */
const READY = 256;

export function walk(ctx: WalkContext): AsyncGenerator<FileJob> {
  return new FolderWalk(ctx).jobs();
}

class FolderWalk {
  private readonly rules: Globs;
  private readonly retried: ReturnType<typeof retrying>;
  private readonly pending: PendingFolder[];
  private readonly ready: FileJob[] = [];
  private active = 0;
  private closed = false;
  private failure: { error: unknown } | undefined;
  private woken: (() => void) | undefined;
  private readonly room: Array<() => void> = [];

  constructor(private readonly ctx: WalkContext) {
    this.rules = globs(ctx.settings.include, ctx.settings.exclude);
    this.retried = retrying(ctx.settings.run.retry, ctx.signal);
    this.pending = [ctx.from ?? { path: "", folderId: ctx.rootId }];
  }

  async *jobs(): AsyncGenerator<FileJob> {
    try {
      this.fill();
      for (;;) {
        if (this.failure) throw this.failure.error;
        const job = this.ready.shift();
        if (job) {
          this.room.shift()?.();
          yield job;
          continue;
        }
        if (this.active === 0 && this.pending.length === 0) break;
        await new Promise<void>((resolve) => (this.woken = resolve));
      }
      this.ctx.tally.walked();
    } finally {
      this.closed = true;
      for (const go of this.room.splice(0)) go();
    }
  }

  /** Starts listings while there is a folder to list and a checker free. */
  private fill(): void {
    const checkers = this.ctx.settings.checkers;
    while (this.active < checkers && this.pending.length && !this.failure && !this.closed) {
      const dir = this.pending.pop()!;
      this.active++;
      void this.list(dir)
        .catch((error: unknown) => void (this.failure ??= { error }))
        .finally(() => {
          this.active--;
          this.fill();
          this.wake();
        });
    }
  }

  private wake(): void {
    const w = this.woken;
    this.woken = undefined;
    w?.();
  }

  /** Hands a job to the transfers, waiting while READY are waiting already. */
  private async offer(job: FileJob): Promise<boolean> {
    while (this.ready.length >= READY && !this.closed) await new Promise<void>((resolve) => this.room.push(resolve));
    if (this.closed) return false;
    this.ready.push(job);
    this.wake();
    return true;
  }

  /** One folder: Box's side and the local side, its files offered, its sub-folders made and queued. */
  private async list(dir: PendingFolder): Promise<void> {
    const { ctx } = this;
    const { tally } = ctx;
    let remote: Map<string, RemoteItem>;
    if (dir.folderId !== undefined) ctx.onFolder?.(dir.path, dir.folderId);
    try {
      remote = dir.folderId === undefined ? new Map() : await this.retried((signal) => folderIndex(ctx.api, dir.folderId!, { signal }));
    } catch (err) {
      // The folder the walk starts from: nothing can be synced. An abort is the run's end, not this folder's failure.
      if (dir.path === (ctx.from?.path ?? "") || ctx.signal.aborted) throw err;
      tally.failed(dir.path, ctx.describe(err));
      return;
    }
    const taken = new Set<string>();
    // Every local name, whatever became of its entry: a mirror never deletes a Box item that has one.
    const present = new Set<string>();
    const subfolders: { path: string; name: string; remote: RemoteItem | undefined }[] = [];
    try {
      for await (const entry of ctx.tree.entries(dir.path)) {
        if (this.closed) return;
        const path = dir.path ? `${dir.path}/${entry.name}` : entry.name;
        present.add(nameKey(entry.name));
        if (entry.kind === "unreadable") {
          if (!this.rules.leftOut(path, "file")) tally.failed(path, `cannot read it: ${entry.error ?? "unknown error"}`);
          continue;
        }
        if (entry.kind === "symlink" || entry.kind === "other") {
          tally.notice(path, entry.kind === "symlink" ? "symlink skipped (never followed)" : "not a regular file or folder; skipped");
          continue;
        }
        if (this.rules.leftOut(path, entry.kind === "dir" ? "folder" : "file")) continue;
        if (entry.kind === "file") tally.seen();
        try {
          checkFileName("name", entry.name);
        } catch (err) {
          if (entry.kind === "file") tally.begin(path, entry.size); // a file seen is a file done, failed or not
          tally.failed(path, `Box cannot hold this name: ${ctx.describe(err)}`);
          continue;
        }
        const key = nameKey(entry.name);
        if (taken.has(key)) {
          if (entry.kind === "file") tally.begin(path, entry.size);
          tally.failed(path, "another local entry in this folder has the same name for Box (names differ only in case or Unicode form)");
          continue;
        }
        taken.add(key);
        const item = remote.get(key);
        if (entry.kind === "dir") subfolders.push({ path, name: entry.name, remote: item });
        else {
          const job = { path, name: entry.name, folderId: dir.folderId, size: entry.size, mtimeMs: entry.mtimeMs, remote: item, ...(entry.identity ? { identity: entry.identity } : {}) };
          if (ctx.take && !ctx.take(job)) continue;
          if (!(await this.offer(job))) return;
        }
      }
    } catch (err) {
      if (dir.path === (ctx.from?.path ?? "") || ctx.signal.aborted) throw err;
      tally.failed(dir.path, `cannot read this folder: ${ctx.describe(err)}`);
      return;
    }
    // Both listings are whole: what Box holds here and the tree does not may go (after the walk).
    if (ctx.mirror && dir.folderId !== undefined) await ctx.mirror.consider(dir.path, dir.folderId, remote, present, ctx.signal);
    remote.clear();
    // Reversed onto the stack, so the first sub-folder read is the first listed.
    for (const sub of subfolders.reverse()) {
      if (this.closed) return;
      const next = await this.enter(sub, dir.folderId);
      if (next) this.pending.push(next);
    }
  }

  private async enter(sub: { path: string; name: string; remote: RemoteItem | undefined }, parentId: string | undefined): Promise<PendingFolder | undefined> {
    const { ctx } = this;
    if (sub.remote && sub.remote.type !== "folder") {
      ctx.tally.failed(sub.path, `Box holds a ${sub.remote.type.replace("_", " ")} named "${sub.remote.name}" where this folder goes; its contents are left out`);
      return undefined;
    }
    if (sub.remote) return ctx.descend?.(sub.path) === false ? undefined : { path: sub.path, folderId: sub.remote.id };
    if (ctx.newFolder) {
      ctx.newFolder({ path: sub.path, name: sub.name, parentId });
      return { path: sub.path, folderId: undefined };
    }
    if (ctx.settings.dryRun || parentId === undefined) {
      ctx.tally.folderCreated(sub.path);
      return { path: sub.path, folderId: undefined };
    }
    try {
      const made = await this.retried((signal) => ensureFolder(ctx.api, parentId, sub.name, { signal }));
      if (made.created) ctx.tally.folderCreated(sub.path);
      return { path: sub.path, folderId: made.id };
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      ctx.tally.failed(sub.path, `cannot create this folder in Box: ${ctx.describe(err)}`);
      return undefined;
    }
  }
}
