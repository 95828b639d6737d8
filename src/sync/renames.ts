/**
 * Renames and moves in a mirror, as rclone's `--track-renames` has them, but as Box moves: an item
 * that would go to the trash and one that would be uploaded with the same content become one
 * `PUT /files/{id}` or `PUT /folders/{id}` instead, so the Box item keeps its id, versions, shared
 * links, comments and metadata. The decision waits for the whole walk (a file moved from `a/x/` to
 * `b/y/` is seen on one side long before the other): until then the tracker holds what the walk
 * found that Box lacks (new files, as the walk's small records, and new folders, not yet made),
 * and the mirror holds what Box has that the tree lacks. Memory is bounded by what is new, not by
 * the tree: past HOLD_MAX held files the rest are sent at once (never moved, never wrong).
 *
 * After the walk, in order: folders (a new local folder whose files, by relative path and size,
 * match at least half of a Box-only folder's, and half of its own, the best such match and no tie,
 * is that folder moved: then synced inside as usual); then files (same size, then same SHA-1: Box
 * lists it, the local file is hashed only where a size matches; ambiguous bytes pair by name, then
 * path order); then the new folders left are made and the files left uploaded; deletions come last,
 * as always, less what moved. A move Box refuses (412: changed since listed; 409: the name is
 * taken) falls back to the safe path: the file is uploaded, the old one trashed by the usual rules.
 */
import { BoxApiError } from "../core/errors";
import { retrying } from "../core/retry";
import type { Doomed, Mirror } from "./mirror";
import type { SyncSettings } from "./options";
import type { SyncApi } from "./ports";
import { ensureFolder, parentOf, type RemoteItem } from "./remote";
import type { Tally } from "./tally";
import type { FileJob } from "./walk";

/** New files held for pairing at most; past it, new files go at once (uploaded, not tracked). */
export const HOLD_MAX = 200_000;

export interface NewFolder {
  path: string;
  name: string;
  /** Its parent's Box folder, when the parent exists in Box; undefined when the parent is new too. */
  parentId: string | undefined;
}

/** What the tracker asks of the run it serves. */
export interface RenameHost {
  api: SyncApi;
  settings: SyncSettings;
  tally: Tally;
  mirror: Mirror;
  signal: AbortSignal;
  describe(err: unknown): string;
  /** The local file's SHA-1 (read once), for files whose size matches a Box-only file. */
  hash(file: FileJob): Promise<string>;
  /** A move went through: what the index knew under the old paths holds under the new ones. */
  moved(files: { from: string; to: string }[]): Promise<void>;
  /** Walks the tree from `path` against Box folder `folderId` (a folder that moved), its files handed to `each`. */
  walkFrom(path: string, folderId: string, each: (job: FileJob, signal: AbortSignal) => Promise<void>): Promise<void>;
}

/** Sends a file as usual (a transfer here, or a job for the queue). */
export type Send = (file: FileJob, signal: AbortSignal) => Promise<void>;

/** The parent id of a dry run's move into a folder it would make (a dry run sends nothing, so no id is needed). */
const WOULD_BE_MADE = "";
const nameOf = (path: string) => path.slice(path.lastIndexOf("/") + 1);

/** Box refused the move as the safe path must take it: changed since listed (412), or the name is taken (409). */
const refused = (err: unknown) => err instanceof BoxApiError && (err.status === 412 || err.status === 409);

export class RenameTracker {
  private readonly held = new Map<string, FileJob>();
  private readonly folders: NewFolder[] = [];
  private readonly madeIds = new Map<string, string>();
  /** A dry run's new folders, which it says it would make. */
  private readonly wouldMake = new Set<string>();

  constructor(private readonly host: RenameHost) {}

  /** A local folder Box does not hold (not made yet). */
  newFolder(folder: NewFolder): void {
    this.folders.push(folder);
  }

  /** A file Box does not hold: kept for pairing; false when the tracker is full (send it at once). */
  hold(file: FileJob): boolean {
    if (this.held.size >= HOLD_MAX) return false;
    this.held.set(file.path, file);
    return true;
  }

  /**
   * After the walk: folder moves (each synced inside), the new folders left made, file moves; then
   * the files left, with their Box folders, for the run to send as usual (in path order).
   */
  async settle(send: Send): Promise<FileJob[]> {
    await this.moveFolders(send);
    await this.makeFolders();
    await this.moveFiles();
    return this.release();
  }

  /** What is held, handed back to be sent (a run that ends early defers it). */
  release(): FileJob[] {
    const rest = [...this.held.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
    this.held.clear();
    return rest.map((file) => ({ ...file, folderId: file.folderId ?? this.idOf(parentOf(file.path)) }));
  }

  /** The Box id of a folder made (or moved) this run, by its local path. */
  private idOf(path: string): string | undefined {
    return this.madeIds.get(path);
  }

  /** New folders that match a Box-only folder by their files move there, shallowest first, and are synced inside. */
  private async moveFolders(send: Send): Promise<void> {
    for (;;) {
      const folder = this.folders
        .filter((f) => (f.parentId ?? this.idOf(parentOf(f.path))) !== undefined)
        .sort((a, b) => a.path.split("/").length - b.path.split("/").length || (a.path < b.path ? -1 : 1))
        .find((f) => this.matchFor(f) !== undefined);
      if (!folder) return;
      const match = this.matchFor(folder)!;
      this.folders.splice(this.folders.indexOf(folder), 1);
      if (!(await this.moveFolder(folder, match))) continue;
      // Its files (as the walk held them) are the sync inside's to decide now.
      for (const path of [...this.held.keys()]) if (path.startsWith(`${folder.path}/`)) this.held.delete(path);
      this.localCache.clear();
      for (const f of [...this.folders]) if (f.path.startsWith(`${folder.path}/`)) this.folders.splice(this.folders.indexOf(f), 1);
      await this.host.walkFrom(folder.path, match.item.id, async (file, signal) => {
        if (file.remote || !this.hold(file)) await send(file, signal);
      });
    }
  }

  /** The Box-only folder `folder` is, by its files: the best match over half on both sides, never a tie. */
  private matchFor(folder: NewFolder): Doomed | undefined {
    const local = this.localKeys(folder.path);
    if (local.length === 0) return undefined;
    let best: { d: Doomed; score: number } | undefined;
    let tie = false;
    for (const d of this.host.mirror.candidates) {
      if (d.item.type !== "folder" || !d.inside) continue;
      // Never a folder into itself.
      if (folder.path === d.path || folder.path.startsWith(`${d.path}/`)) continue;
      const remote = this.doomedKeys(d);
      // Over half on both sides needs the two counts within twice each other.
      if (remote.size === 0 || remote.size > 2 * local.length || local.length > 2 * remote.size) continue;
      let score = 0;
      for (const key of local) if (remote.has(key)) score++;
      if (score * 2 < local.length || score * 2 < remote.size) continue;
      if (best && score === best.score) tie = true;
      else if (!best || score > best.score) [best, tie] = [{ d, score }, false];
    }
    return tie ? undefined : best?.d;
  }

  private readonly localCache = new Map<string, string[]>();
  private readonly doomedCache = new Map<Doomed, Set<string>>();

  /** A new folder's held files, as `relative path + size` keys (cached: they change only when a folder moves). */
  private localKeys(path: string): string[] {
    let keys = this.localCache.get(path);
    if (!keys) {
      keys = [];
      for (const [p, f] of this.held) if (p.startsWith(`${path}/`)) keys.push(`${p.slice(path.length + 1)}\u0000${f.size}`);
      this.localCache.set(path, keys);
    }
    return keys;
  }

  /** A Box-only folder's files, as the same keys. */
  private doomedKeys(d: Doomed): Set<string> {
    let keys = this.doomedCache.get(d);
    if (!keys) {
      keys = new Set();
      for (const i of d.inside ?? []) if (i.item.type === "file" && i.item.size !== undefined) keys.add(`${i.path.slice(d.path.length + 1)}\u0000${i.item.size}`);
      this.doomedCache.set(d, keys);
    }
    return keys;
  }

  private async moveFolder(folder: NewFolder, d: Doomed): Promise<boolean> {
    const { host } = this;
    const parentId = (folder.parentId ?? this.idOf(parentOf(folder.path)))!;
    if (!host.settings.dryRun) {
      // Box takes a folder's new parent and its new name in separate calls (a body with both can be
      // refused, 403): moved first, then renamed; a rename refused after the move goes back, best effort.
      const retried = retrying(host.settings.run.retry, host.signal);
      let etag = d.item.etag;
      const step = async (to: { name?: string; parentId?: string }) => {
        const moved = await retried((signal) => host.api.moveFolder(d.item.id, { ...to, ...(etag ? { ifMatch: etag } : {}) }, { signal }));
        etag = typeof moved.etag === "string" ? moved.etag : undefined;
      };
      try {
        if (parentId !== d.parentId) await step({ parentId });
      } catch (err) {
        if (host.signal.aborted || !refused(err)) throw err;
        return false; // the safe path: made anew and filled, the old one trashed as usual
      }
      try {
        if (folder.name !== d.item.name) await step({ name: folder.name });
      } catch (err) {
        if (host.signal.aborted || !refused(err)) throw err;
        if (parentId !== d.parentId) await step({ parentId: d.parentId }).catch(() => undefined);
        return false;
      }
    }
    host.mirror.withdraw(d);
    this.madeIds.set(folder.path, d.item.id);
    host.tally.moved(d.path, folder.path, "folder", d.item.id);
    const files = (d.inside ?? []).filter((i) => i.item.type === "file").map((i) => ({ from: i.path, to: `${folder.path}${i.path.slice(d.path.length)}` }));
    if (!host.settings.dryRun) await host.moved(files);
    return true;
  }

  /** The new folders left are made, parents first (in a dry run, said as would-be). */
  private async makeFolders(): Promise<void> {
    const { host } = this;
    const left = this.folders.splice(0).sort((a, b) => a.path.split("/").length - b.path.split("/").length);
    for (const f of left) {
      const parentId = f.parentId ?? this.idOf(parentOf(f.path));
      if (host.settings.dryRun || parentId === undefined) {
        host.tally.folderCreated(f.path);
        if (host.settings.dryRun) this.wouldMake.add(f.path);
        continue;
      }
      try {
        const made = await retrying(host.settings.run.retry, host.signal)((signal) => ensureFolder(host.api, parentId, f.name, { signal }));
        if (made.created) host.tally.folderCreated(f.path);
        this.madeIds.set(f.path, made.id);
      } catch (err) {
        if (host.signal.aborted) throw err;
        host.tally.failed(f.path, `cannot create this folder in Box: ${host.describe(err)}`);
        for (const path of [...this.held.keys()]) if (path.startsWith(`${f.path}/`)) this.held.delete(path);
      }
    }
  }

  /** Held files paired with Box-only files of the same size and SHA-1, each moved to where the file is now. */
  private async moveFiles(): Promise<void> {
    const { host } = this;
    // Box-only files, on their own or inside a folder trashed whole, by size.
    const bySize = new Map<number, { d: Doomed; inner?: { path: string; item: RemoteItem } }[]>();
    const add = (size: number | undefined, entry: { d: Doomed; inner?: { path: string; item: RemoteItem } }) => {
      if (size === undefined || !(entry.inner ?? entry.d).item.sha1) return;
      const same = bySize.get(size);
      if (same) same.push(entry);
      else bySize.set(size, [entry]);
    };
    for (const d of host.mirror.candidates) {
      if (d.item.type === "file") add(d.item.size, { d });
      else for (const inner of d.inside ?? []) if (inner.item.type === "file") add(inner.item.size, { d, inner });
    }
    if (bySize.size === 0) return;
    const files = [...this.held.values()].filter((f) => bySize.has(f.size)).sort((a, b) => (a.path < b.path ? -1 : 1));
    for (const file of files) {
      const candidates = bySize.get(file.size) ?? [];
      if (candidates.length === 0) continue;
      let sha1: string;
      try {
        sha1 = await host.hash(file);
      } catch (err) {
        if (host.signal.aborted) throw err;
        continue; // read again, and said, when it is sent
      }
      // Read once: the upload, if it comes to that, need not read it again.
      this.held.set(file.path, { ...file, sha1 });
      const same = candidates.filter((c) => (c.inner ?? c.d).item.sha1 === sha1);
      if (same.length === 0) continue;
      // Ambiguous bytes pair by name first, then in path order: deterministic, and any pairing of
      // identical bytes ends with Box holding the tree.
      const pick = same.find((c) => (c.inner ?? c.d).item.name === nameOf(file.path)) ?? same[0]!;
      // A dry run makes no folder, but a file it would move into one it would make is a move, as the real run's.
      const parentId = file.folderId ?? this.idOf(parentOf(file.path)) ?? (this.wouldMake.has(parentOf(file.path)) ? WOULD_BE_MADE : undefined);
      if (parentId === undefined) continue;
      if (!(await this.moveFile(file, pick, parentId))) continue;
      bySize.set(file.size, candidates.filter((c) => c !== pick));
      this.held.delete(file.path);
    }
  }

  private async moveFile(file: FileJob, c: { d: Doomed; inner?: { path: string; item: RemoteItem } }, parentId: string): Promise<boolean> {
    const { host } = this;
    const item = (c.inner ?? c.d).item;
    const from = (c.inner ?? c.d).path;
    const fromParent = c.inner ? undefined : c.d.parentId;
    if (!host.settings.dryRun) {
      try {
        await retrying(host.settings.run.retry, host.signal)((signal) =>
          host.api.moveFile(item.id, { ...(nameOf(file.path) !== item.name ? { name: nameOf(file.path) } : {}), ...(parentId !== fromParent ? { parentId } : {}), ...(item.etag ? { ifMatch: item.etag } : {}) }, { signal }),
        );
      } catch (err) {
        if (host.signal.aborted || !refused(err)) throw err;
        return false; // the safe path: uploaded, and the old one trashed as usual
      }
    }
    host.mirror.withdraw(c.d, c.inner);
    host.tally.moved(from, file.path, "file", item.id);
    if (!host.settings.dryRun) await host.moved([{ from, to: file.path }]);
    return true;
  }
}
