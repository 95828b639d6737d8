/**
 * What a folder sync needs from below: the API operations it calls, and the runtime's view of a
 * local tree (Node: the file system), so the sync logic itself is the same in any runtime.
 */
import type { BoxOperations } from "../api/boxApi";
import type { UploadApi, UploadPlatform } from "../upload/ports";

export type SyncApi = UploadApi & Pick<BoxOperations, "folderItems" | "createFolder" | "deleteFile" | "deleteFolder">;

export interface LocalEntry {
  name: string;
  /**
   * Symlinks are reported as such (never followed); `other` is a socket, FIFO or device;
   * `unreadable` an entry listed whose kind could not be read (`error` says why).
   */
  kind: "file" | "dir" | "symlink" | "other" | "unreadable";
  error?: string;
  size: number;
  mtimeMs: number;
}

export interface LocalTree {
  /** The entries of the folder at `relDir` ("" is the root, `/`-separated), read as they are consumed. */
  entries(relDir: string): AsyncIterable<LocalEntry>;
  /** The path the upload platform opens for the file at `relPath`. */
  filePath(relPath: string): string;
}

export interface SyncPlatform {
  /** Opens the tree rooted at `root`; a missing root or one that is not a folder is a BoxInputError. */
  openTree(root: string): Promise<LocalTree>;
  /** Where the resume state named `name` lives inside `stateDir` (created if missing). */
  statePath(stateDir: string, name: string): Promise<string>;
}

/** Everything a sync takes from below, passed together. */
export interface SyncDeps {
  api: SyncApi;
  platform: UploadPlatform;
  local: SyncPlatform;
  /** One line for a failure in the summary, cleaned of secrets like every error that leaves the library. */
  describe: (err: unknown) => string;
  /** An error cleaned of secrets, as every error that leaves the library is. */
  clean: (err: unknown) => unknown;
}
