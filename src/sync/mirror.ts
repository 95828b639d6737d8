/**
 * `deleteExtraneous` (`sync --delete`): Box items with no local counterpart go to Box's trash, so
 * the Box folder ends up as the local one. Safety as the careful tools have it:
 * - a folder is considered only once both its local listing and its Box listing were read whole
 *   and without error (the walk calls `consider` only then); any failure there deletes nothing
 *   there;
 * - a local entry of any kind (a symlink, a file left out, a name Box refuses) keeps its Box
 *   namesake; so does anything the globs leave out (an excluded name, a file no include matches),
 *   at any depth: a Box-only folder that holds one is not trashed whole, only what in it may go;
 * - nothing is deleted before the whole tree was walked and every file settled, and nothing at all
 *   when more than `maxDelete` items would go (a folder trashed whole counts with what it holds);
 * - each deletion names the etag Box listed (If-Match), so an item changed meanwhile stays.
 * A dry run lists the deletions in its plan and deletes nothing.
 */
import type { CallOptions, FolderItem } from "../api/boxApi";
import { BoxApiError } from "../core/errors";
import { retrying } from "../core/retry";
import type { Globs } from "./globs";
import type { SyncSettings } from "./options";
import type { SyncApi } from "./ports";
import { ITEM_FIELDS, remoteItem, type RemoteItem } from "./remote";
import type { Tally } from "./tally";

/** A Box item no local entry names, to go to the trash once every file settled (unless it moved). */
export interface Doomed {
  path: string;
  item: RemoteItem;
  /** The Box folder it is in. */
  parentId: string;
  /** Items that go with it: itself, and for a folder trashed whole, everything in it. */
  items: number;
  /** A folder trashed whole: what it holds, at any depth (paths relative to the tree's root). */
  inside?: { path: string; item: RemoteItem }[];
}

/** Deletions run this many at a time (each paced like any call). */
const PARALLEL = 4;

export class Mirror {
  private readonly doomed: Doomed[] = [];
  private count = 0;

  constructor(
    private readonly api: SyncApi,
    private readonly settings: SyncSettings,
    private readonly rules: Globs,
    private readonly tally: Tally,
    private readonly describe: (err: unknown) => string,
  ) {}

  private retried<T>(signal: AbortSignal, task: (call: CallOptions) => Promise<T>): Promise<T> {
    return retrying(this.settings.run.retry, signal)((own) => task({ signal: own }));
  }

  /** One folder (Box folder `folderId`), listed whole on both sides: its Box items no local entry names (`present`) are doomed, unless kept. */
  async consider(dirPath: string, folderId: string, remote: Map<string, RemoteItem>, present: Set<string>, signal: AbortSignal): Promise<void> {
    for (const [key, item] of remote) {
      if (present.has(key)) continue;
      const path = dirPath ? `${dirPath}/${item.name}` : item.name;
      await this.judge(path, item, folderId, signal);
    }
  }

  /** What is doomed so far (a rename tracker pairs it with what is new). */
  get candidates(): readonly Doomed[] {
    return this.doomed;
  }

  /**
   * An item that moved instead (a rename): it no longer goes to the trash. For an item inside a
   * folder trashed whole, the folder still goes, less what moved out of it.
   */
  withdraw(d: Doomed, inner?: { path: string; item: RemoteItem }): void {
    if (inner) {
      const gone = d.item.type === "folder" && inner.item.type === "folder" ? 1 + (d.inside?.filter((i) => i.path.startsWith(`${inner.path}/`)).length ?? 0) : 1;
      d.inside = d.inside?.filter((i) => i !== inner && !i.path.startsWith(`${inner.path}/`));
      d.items -= gone;
      this.count -= gone;
      return;
    }
    const at = this.doomed.indexOf(d);
    if (at < 0) return;
    this.doomed.splice(at, 1);
    this.count -= d.items;
  }

  /** Paths whose Box items stay whatever the listings say (a watcher's: deletions that have not settled yet). */
  keep: ((path: string) => boolean) | undefined;

  private async judge(path: string, item: RemoteItem, parentId: string, signal: AbortSignal): Promise<void> {
    if (this.stays(path, item)) return;
    // A web link is not something a local tree can hold: sync neither makes nor removes one.
    if (item.type === "web_link") return;
    if (item.type === "file") return this.doom({ path, item, parentId, items: 1 });
    // A Box-only folder: what it holds decides whether it goes whole (nothing in it is kept).
    let inside: { path: string; item: RemoteItem }[];
    try {
      inside = await this.retried(signal, (call) => this.listAll(item.id, path, call));
    } catch (err) {
      if (signal.aborted) throw err;
      this.tally.failed(path, `cannot list this Box folder to delete it: ${this.describe(err)}`);
      return;
    }
    // Kept inside: what stays by the rules above, and web links (never deleted).
    const kept = inside.some((i) => i.item.type === "web_link" || this.stays(i.path, i.item));
    if (!kept) return this.doom({ path, item, parentId, items: 1 + inside.length, inside });
    // Something in it stays: the folder stays, and so does every folder on the way to a kept item.
    const direct = inside.filter((i) => i.path.lastIndexOf("/") === path.length);
    for (const child of direct) await this.judge(child.path, child.item, item.id, signal);
  }

  /** Whether a Box item stays whatever the listings say: the globs leave it out, or the watcher still waits on it. */
  private stays(path: string, item: RemoteItem): boolean {
    return this.rules.leftOut(path, item.type === "folder" ? "folder" : "file") || this.keep?.(path) === true;
  }

  /** Everything under a Box folder, at any depth. */
  private async listAll(folderId: string, path: string, call: CallOptions): Promise<{ path: string; item: RemoteItem }[]> {
    const out: { path: string; item: RemoteItem }[] = [];
    for await (const raw of this.api.folderItems(folderId, ITEM_FIELDS, call)) {
      const item = raw as FolderItem & RemoteItem;
      if (!item || typeof item.name !== "string" || typeof item.id !== "string") continue;
      const child = { path: `${path}/${item.name}`, item: remoteItem(item) };
      out.push(child);
      if (item.type === "folder") out.push(...(await this.listAll(item.id, child.path, call)));
    }
    return out;
  }

  private doom(d: Doomed): void {
    this.doomed.push(d);
    this.count += d.items;
  }

  /** After the walk and the transfers: deletes what was doomed, or nothing when it is more than `maxDelete`. */
  async finish(signal: AbortSignal): Promise<void> {
    const max = this.settings.maxDelete;
    if (max !== undefined && this.count > max) {
      // A dry run still shows what would have gone, so the limit can be judged.
      if (this.settings.dryRun) for (const d of this.doomed) this.tally.deleted(d.path, d.item.type, d.items, d.item.id);
      this.tally.failed(".", `would delete ${this.count} items from Box, more than --max-delete ${max}: nothing was deleted`);
      return;
    }
    const queue = [...this.doomed];
    const worker = async () => {
      for (let next = queue.shift(); next && !signal.aborted; next = queue.shift()) await this.trash(next, signal);
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
  }

  private async trash(d: Doomed, signal: AbortSignal): Promise<void> {
    if (this.settings.dryRun) return this.tally.deleted(d.path, d.item.type, d.items, d.item.id);
    try {
      const ifMatch = d.item.etag ? { ifMatch: d.item.etag } : {};
      let tries = 0;
      await this.retried(signal, async (call) => {
        try {
          tries++;
          await (d.item.type === "folder" ? this.api.deleteFolder(d.item.id, { recursive: true, ...ifMatch }, call) : this.api.deleteFile(d.item.id, ifMatch, call));
        } catch (err) {
          // Gone on a retry: the try whose answer was lost did it.
          if (tries > 1 && err instanceof BoxApiError && err.status === 404) return;
          throw err;
        }
      });
      this.tally.deleted(d.path, d.item.type, d.items, d.item.id);
    } catch (err) {
      if (signal.aborted) throw err;
      this.tally.failed(d.path, `cannot delete this from Box: ${this.describe(err)}`);
    }
  }
}
