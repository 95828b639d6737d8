/** What a sync run is told beside its settings: where a file goes, how a walk goes, and a transfer's own pieces. */
import type { StateStore } from "../upload/resume";
import type { SyncSettings } from "./options";
import type { LocalTree } from "./ports";
import type { FileProgress } from "./transfer";
import type { FileJob } from "./walk";

/** Where a file goes: the local tree it is read from, and the Box folder the tree goes into. */
export interface SyncRoot {
  tree: LocalTree;
  rootId: string;
}

/** How a walk goes where not the whole tree is wanted (a watcher's pass over the folders that changed). */
export interface WalkOptions {
  /** Where to start: a folder of the tree and its Box folder (default: the root). */
  from?: { path: string; folderId: string };
  /** Whether to go into a sub-folder Box holds too (default: always); one Box lacks is always walked. */
  descend?: (path: string) => boolean;
  /** Which files to hand on (default: all); the others are listed only. */
  take?: (file: FileJob) => boolean;
  /** Told each folder walked with its Box id. */
  onFolder?: (path: string, folderId: string) => void;
  /** Box items the mirror keeps whatever the listings say (deletions not settled yet). */
  keep?: (path: string) => boolean;
}

export interface TransferOptions {
  /** Settings for this file instead of the run's (a queued job's own), sharing the run's budget. */
  settings?: SyncSettings;
  /** Where its progress goes instead of the run's account; its outcome is then not counted here. */
  progress?: FileProgress;
  /** Where its resume state is kept instead of the run's place (a fleet's Redis). */
  states?: (name: string) => Promise<StateStore>;
}
