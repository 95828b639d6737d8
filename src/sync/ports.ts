/**
 * What a folder sync needs from below: the API operations it calls, and the runtime's view of a
 * local tree (Node: the file system), so the sync logic itself is the same in any runtime.
 */
import type { BoxOperations } from "../api/boxApi";
import type { Meter } from "../core/meter";
import type { UploadApi, UploadPlatform } from "../upload/ports";

export type SyncApi = UploadApi & Pick<BoxOperations, "folderItems" | "createFolder" | "deleteFile" | "deleteFolder" | "moveFile" | "moveFolder">;

/**
 * What a local file is, as far as its content could have changed: the quick check's identity
 * (quickCheck.ts). Times in nanoseconds and the inode as decimal text, exact; "0" where the platform
 * has none (the quick check is then off for the file).
 */
export interface LocalIdentity {
  size: number;
  mtimeNs: string;
  ctimeNs: string;
  ino: string;
  dev: string;
}

/** What the index remembers of a file: its identity when it was hashed, that SHA-1, the Box file it became, and when. */
export interface IndexEntry extends LocalIdentity {
  sha1: string;
  boxId: string;
  /** When the entry was written (ns since the epoch), for the racy rule. */
  recordedNs: string;
}

/** A run's index of what was synced (Node: LMDB under the state folder), keyed by the Box folder and the path. */
export interface SyncIndex {
  get(key: string): IndexEntry | undefined;
  put(key: string, entry: IndexEntry): Promise<void>;
  remove(key: string): Promise<void>;
  close(): Promise<void>;
}

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
  /** Files: what the quick check compares (absent where the platform cannot say). */
  identity?: LocalIdentity;
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
  /** The index kept in `stateDir`; a runtime without one has no quick check (every file is hashed). */
  openIndex?(stateDir: string): Promise<SyncIndex>;
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
  /** Where files, their results and bytes are counted (an operator's metrics). */
  meter: Meter;
}
