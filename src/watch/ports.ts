/**
 * What a watcher takes from below: the client's sync runs and its folder listing, and from the
 * runtime the file system's change notices and a look at one path (Node's: platform/node/fsWatch.ts).
 */
import type { SyncOptions } from "../sync/options";
import type { SyncApi } from "../sync/ports";
import type { SyncRun } from "../sync/run";

/** The client, as a watcher uses it (`BoxUploadClient` is one). */
export interface WatchClient {
  syncRun(options?: SyncOptions): SyncRun;
  readonly api: Pick<SyncApi, "folderItems">;
}

/** What a path looks like now: a file's size and times, a folder, something else, or nothing (gone). */
export type Look = { kind: "file"; size: number; mtimeNs: string; ctimeNs: string } | { kind: "dir" } | { kind: "gone" } | { kind: "other" };

export interface FsWatching {
  /** Follows changes under `root`: each notice names paths relative to it, `/`-separated. */
  subscribe(root: string, onChange: (paths: string[]) => void, onError: (err: unknown) => void): Promise<{ close(): Promise<void> }>;
  look(root: string, path: string): Promise<Look>;
}
