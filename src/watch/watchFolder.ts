/**
 * A folder that flows into Box as files arrive (`client.watchFolder`, `box-upload watch`): a sync
 * at start (whatever arrived, changed, moved or went while it was down is caught up, renames as
 * moves where a mirror tracks them), then the file system's notices, each path waiting until it
 * has looked the same for `settleMs` (pending.ts), then passes: sync runs (src/sync/run.ts) over
 * the folders that changed, one at a time, the same budget, pacing, index, resume and renames as
 * any sync. Only whole files: a pass takes a file only once its mtime and ctime are `settleMs` old,
 * and the upload still refuses one that changes while it is read (it then waits to settle again,
 * never committed half-written). A pass that fails (Box out of reach) gives its paths back and is
 * tried again with backoff; the tree itself removed is waited for, then caught up whole.
 */
import { BoxInputError, BoxNetworkError, SourceError } from "../core/errors";
import { isRetryable, retrying } from "../core/retry";
import { sleep } from "../core/sleep";
import type { FileOutcome, SyncOptions, SyncSummary } from "../sync/options";
import { folderIndex, nameKey, parentOf } from "../sync/remote";
import type { SyncRoot, SyncRun } from "../sync/run";
import type { FileJob } from "../sync/walk";
import { PendingChanges } from "./pending";
import type { FsWatching, Look, WatchClient } from "./ports";

/** Names that editors and copy tools write and rename away: left out by default. */
export const TEMPORARY_NAMES = ["*.tmp", "~$*", ".*.swp", "*.part", "*.crdownload"];
export const DEFAULT_SETTLE_MS = 5_000;
/** Paths followed one by one at most; past it, a burst is caught up by a full pass. */
export const DEFAULT_MAX_PENDING = 50_000;
/** Folder ids remembered by path, at most (each a lookup spared); older ones are looked up again. */
const FOLDER_CACHE = 10_000;
/** A status line this often when idle. */
const STATUS_MS = 60_000;

export interface WatchOptions extends Omit<SyncOptions, "dryRun" | "maxDurationMs" | "cutoff" | "maxTransferBytes" | "onProgress" | "signal"> {
  /** How long a file must look the same (size, mtime, ctime) before it is sent, in ms. Default 5,000. */
  settleMs?: number;
  /** Globs of names left out as temporary (editors', copy tools'); default {@link TEMPORARY_NAMES}; `[]` for none. */
  temporaryNames?: string[];
  /** Paths followed one by one at most before a burst is caught up by a full pass. Default 50,000. */
  maxPending?: number;
  /** The catch-up sync at start has ended (its summary). */
  onReady?: (summary: SyncSummary) => void;
  /** Said when idle (once a minute), when a pass fails and waits, and when the folder is gone or back. */
  onStatus?: (status: WatchStatus) => void;
}

export type WatchStatus =
  | { state: "idle"; filesSynced: number; pending: number }
  | { state: "retrying"; error: string; retryInMs: number; pending: number }
  | { state: "folder-gone" }
  | { state: "folder-back" };

export interface WatchHandle {
  /** Stops: no new pass; the one running stops (chunked files keep their resume state); resolves when all is let go. */
  close(): Promise<void>;
  /** Resolves once the watcher stopped (closed, or failed beyond what it can wait out: then it rejects). */
  readonly done: Promise<void>;
}


/**
 * Where a pass's files go: sent from here (the default), or, for a watcher that feeds a fleet, as
 * jobs for its workers (`settle` then waits for them). `onOutcome` is told each file's outcome.
 */
export type PassSender = (run: SyncRun, root: SyncRoot, onOutcome: (file: FileJob, outcome: FileOutcome) => void) => Promise<{ send(file: FileJob, signal: AbortSignal): Promise<void>; settle(): Promise<void> }>;

export async function watchFolder(client: WatchClient, fs: FsWatching, localDir: string, folderId: string, options: WatchOptions = {}, through?: PassSender): Promise<WatchHandle> {
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const { settleMs: _s, temporaryNames, maxPending, onReady, onStatus, ...syncOptions } = options;
  const exclude = [...(syncOptions.exclude ?? []), ...(temporaryNames ?? TEMPORARY_NAMES)];
  const stop = new AbortController();
  const runOptions = (): SyncOptions => ({ ...syncOptions, exclude, signal: stop.signal });
  // Checked once, before anything starts: a bad option fails the call.
  const probe = client.syncRun(runOptions());
  const tree = await probe.openTree(localDir);
  await probe.finish().catch(() => undefined);
  const rootPath = tree.filePath("");
  const pending = new PendingChanges(settleMs, maxPending ?? DEFAULT_MAX_PENDING);
  const folderIds = new Map<string, string>([["", folderId]]);
  const learn = (path: string, id: string) => {
    folderIds.delete(path);
    folderIds.set(path, id);
    if (folderIds.size > FOLDER_CACHE) folderIds.delete(folderIds.keys().next().value!);
  };

  let synced = 0;
  /** A file's outcome: one that changed while it was read is not whole yet, and waits to settle again. */
  const told = (file: FileJob, outcome: FileOutcome) => {
    if (outcome.action === "fail" && outcome.sourceFault) pending.again(file.path);
  };
  const here: PassSender = async (run, root) => ({
    send: async (file, signal) => told(file, await run.transfer(root, file, signal)),
    settle: async () => undefined,
  });

  /** The nearest folder of `path` (itself or an ancestor) that Box holds, with its id. */
  const nearestInBox = async (path: string): Promise<{ path: string; folderId: string }> => {
    const known = folderIds.get(path);
    if (known) return { path, folderId: known };
    if (path === "") return { path, folderId };
    const parent = await nearestInBox(parentOf(path));
    if (parent.path !== parentOf(path)) return parent;
    const items = await retrying(probeRetry, stop.signal)((signal) => folderIndex(client.api, parent.folderId, { signal }));
    const item = items.get(nameKey(path.slice(path.lastIndexOf("/") + 1)));
    if (item?.type !== "folder") return parent;
    learn(path, item.id);
    return { path, folderId: item.id };
  };
  const probeRetry = probe.settings.run.retry;

  /** A file a pass may take: its mtime and ctime both `settleMs` old (a file still being written is not). */
  const settled = (file: FileJob, now: number) => {
    const id = file.identity;
    if (!id || id.mtimeNs === "0") return now - file.mtimeMs >= settleMs;
    const cutoff = BigInt(now - settleMs) * 1_000_000n;
    return BigInt(id.mtimeNs) <= cutoff && BigInt(id.ctimeNs) <= cutoff;
  };

  /**
   * One pass: a sync run over `folders` (each not into the sub-folders Box holds), or over the
   * whole tree. Files not settled yet wait; a file that changed while it was read waits again.
   */
  const pass = async (folders: string[] | "all", ready: ReadonlySet<string> = new Set()): Promise<SyncSummary> => {
    const run: SyncRun = client.syncRun(runOptions());
    const now = Date.now();
    // A full pass takes every settled file; a pass over changed folders takes the paths that
    // settled, and files Box lacks there (a folder moved in brings files no notice named); a file
    // Box holds that did not change is only listed.
    const notYet = (file: FileJob) => {
      if (folders !== "all" && !ready.has(file.path) && file.remote) return false;
      if (settled(file, now)) return true;
      pending.again(file.path);
      return false;
    };
    const root: SyncRoot = { tree: await run.openTree(localDir), rootId: folderId };
    const walkOptions = { take: notYet, onFolder: learn, keep: (path: string) => pending.has(path) };
    let starts: { path: string; folderId: string }[];
    if (folders === "all") starts = [{ path: "", folderId }];
    else {
      const found = new Map<string, { path: string; folderId: string }>();
      for (const f of folders) {
        const start = await nearestInBox(f);
        found.set(start.path, start);
      }
      starts = [...found.values()];
    }
    const files = (async function* () {
      for (const from of starts) yield* run.walk(root, folders === "all" ? walkOptions : { ...walkOptions, from, descend: () => false });
    })();
    const sender = await (through ?? here)(run, root, told);
    const send = (file: FileJob, signal: AbortSignal) => sender.send(file, signal);
    try {
      await run.sendAll(files, run.settings.transfers, send);
    } finally {
      await sender.settle();
    }
    const summary = await run.finish();
    synced += summary.uploaded + summary.versioned;
    return summary;
  };

  // The notices first, so nothing that happens during the catch-up is missed.
  let watching: { close(): Promise<void> } | undefined;
  let watchError: unknown;
  const subscribe = async () => {
    watching = await fs.subscribe(rootPath, (paths) => paths.forEach((p) => pending.touched(p)), (err) => (watchError ??= err));
  };
  await subscribe();

  const rootThere = async () => (await fs.look(rootPath, "").catch(() => ({ kind: "gone" }) as Look)).kind === "dir";
  const done = (async () => {
    let backoff = 0;
    let lastStatus = Date.now();
    let catchUp = true;
    let rootChecked = 0;
    try {
      while (!stop.signal.aborted) {
        // The tree itself removed: every few seconds a look, since a watcher may say nothing of it.
        if (!watchError && Date.now() - rootChecked >= 2_000) {
          rootChecked = Date.now();
          if (!(await rootThere())) watchError = new Error("the watched folder is gone");
        }
        if (watchError) {
          const err = watchError;
          watchError = undefined;
          // The tree itself gone: wait for it, then catch up whole.
          if (!(await rootThere())) {
            await watching?.close().catch(() => undefined);
            watching = undefined;
            onStatus?.({ state: "folder-gone" });
            while (!stop.signal.aborted && !(await rootThere())) await sleep(1000, stop.signal).catch(() => undefined);
            if (stop.signal.aborted) break;
            onStatus?.({ state: "folder-back" });
            await subscribe();
            catchUp = true;
          } else throw err;
        }
        if (catchUp) {
          try {
            const summary = await pass("all");
            catchUp = false;
            backoff = 0;
            onReady?.(summary);
          } catch (err) {
            if (stop.signal.aborted) break;
            backoff = await waitAfter(err, backoff);
            continue;
          }
        }
        // Look at what waits; take what has settled.
        for (const path of pending.paths()) pending.looked(path, await fs.look(rootPath, path).catch(() => ({ kind: "other" }) as Look));
        const { ready, full } = pending.take();
        if (full) catchUp = true;
        else if (ready.length) {
          // Each path's folder: a file's, a folder's (made or gone) parent, and a new folder itself.
          const folders = new Set<string>();
          for (const r of ready) {
            folders.add(parentOf(r.path));
            if (r.look.kind === "dir") folders.add(r.path);
          }
          try {
            await pass([...folders], new Set(ready.map((r) => r.path)));
            backoff = 0;
            lastStatus = Date.now();
          } catch (err) {
            if (stop.signal.aborted) break;
            for (const r of ready) pending.again(r.path);
            backoff = await waitAfter(err, backoff);
            continue;
          }
        } else if (Date.now() - lastStatus >= STATUS_MS && pending.size === 0) {
          lastStatus = Date.now();
          onStatus?.({ state: "idle", filesSynced: synced, pending: 0 });
        }
        await sleep(Math.max(100, Math.min(1000, settleMs / 4)), stop.signal).catch(() => undefined);
      }
    } finally {
      await watching?.close().catch(() => undefined);
    }
  })();

  /** A pass failed: said, and the next try waits (2 s doubling to 2 min); only what cannot be waited out ends the watcher. */
  async function waitAfter(err: unknown, last: number): Promise<number> {
    // A SourceChangedError is a SourceError too.
    if (!(err instanceof BoxNetworkError) && !(err instanceof SourceError) && !isTransient(err)) throw err;
    const wait = Math.min(120_000, last ? last * 2 : 2_000);
    onStatus?.({ state: "retrying", error: err instanceof Error ? `${err.name}: ${err.message}` : String(err), retryInMs: wait, pending: pending.size });
    await sleep(wait, stop.signal).catch(() => undefined);
    return wait;
  }

  return {
    done,
    close: async () => {
      stop.abort(new Error("watcher closed"));
      await done.catch(() => undefined);
    },
  };
}

/** Box answering 5xx or 429 past every retry, the tree missing mid-pass: waited out, not the end. */
function isTransient(err: unknown): boolean {
  return isRetryable(err) || (err instanceof BoxInputError && err.argument === "localDir");
}
