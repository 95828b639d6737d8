/**
 * One sync run, whatever feeds it and wherever its files go: the settings resolved once, the
 * running account (Tally), the run's signal (the caller's abort, or a failure beyond one file)
 * fanned out to a signal per file, the walk of a tree, one file's transfer, and the end
 * (deletions once every file settled, then the summary). A local sync (syncFolder.ts) walks a tree
 * and transfers each file here; a fleet's producer walks and queues; a fleet's worker transfers
 * what a queue hands it; a watcher walks once, then transfers what changes.
 */
import { UploadAbortedError } from "../core/errors";
import { MeteredFile } from "../core/meter";
import { SignalFan, type TaskSignal } from "../core/signalFan";
import type { StateStore } from "../upload/resume";
import { globs } from "./globs";
import { Mirror } from "./mirror";
import { deferred, type FileOutcome, type SyncSettings, type SyncSummary } from "./options";
import type { LocalTree, SyncDeps, SyncIndex } from "./ports";
import { RenameTracker } from "./renames";
import { countingReads, meteredProgress } from "./runCounts";
import { RunIndex } from "./runIndex";
import type { SyncRoot, TransferOptions, WalkOptions } from "./runOptions";
import { RESULTS, Tally } from "./tally";
import { hashFile, transfer } from "./transfer";
import { walk, type FileJob } from "./walk";
import { RunWindow, WindowClosed } from "./window";

export type { SyncRoot, TransferOptions, WalkOptions } from "./runOptions";

export class SyncRun {
  readonly tally: Tally;
  private readonly fan: SignalFan;
  private readonly deps: SyncDeps;
  private readonly window: RunWindow;
  private fatal: { error: unknown } | undefined;
  private mirror: Mirror | undefined;
  /** With renames tracked (a mirror's): what the walk found new, held until both sides are seen. */
  private renames: RenameTracker | undefined;
  /** True once a walk has run to its end: only then may a mirror delete. */
  private walkedWhole = false;
  private readonly indexed: RunIndex;

  /**
   * `states`: where chunked files keep their resume state, by name (a fleet's Redis); by default a
   * file per name in `settings.stateDir`, and none in a dry run or without a state folder.
   */
  constructor(
    deps: SyncDeps,
    readonly settings: SyncSettings,
    private readonly states = localStates(deps, settings),
  ) {
    if (settings.signal?.aborted) throw new UploadAbortedError(undefined, { cause: settings.signal.reason });
    this.tally = new Tally(settings, deps.meter);
    this.fan = new SignalFan([settings.signal]);
    // Every byte read from a local file is counted: what the index saves shows in the summary.
    this.deps = { ...deps, platform: countingReads(deps.platform, (n) => this.tally.read(n)) };
    this.indexed = new RunIndex(this.deps, settings, (message) => this.tally.notice(".", message));
    this.window = new RunWindow(settings, (why, stopInFlight) => {
      this.tally.stopped(why);
      if (stopInFlight) this.fan.abortTasks(new WindowClosed(why));
    });
  }

  /** The index of what was synced (in the state folder), opened at first need; undefined without one. */
  index(): Promise<SyncIndex | undefined> {
    return this.indexed.open();
  }

  /**
   * The run's window for a file that sends elsewhere (a queued job): whether it may start, its size
   * reserved when it may; `spent` gives back what it did not send once its outcome is known.
   */
  admit(size: number): boolean {
    return this.window.admit(size);
  }
  spent(reservedBytes: number, sentBytes: number): void {
    this.window.spent(reservedBytes, sentBytes);
  }

  /** The index's key for a file of `rootId`. */
  indexKey(rootId: string, path: string): string {
    return this.indexed.key(rootId, path);
  }

  /** Records what a file is now in the index, after it settled; never in a dry run. */
  remember(rootId: string, file: FileJob, outcome: FileOutcome): Promise<void> {
    return this.indexed.remember(rootId, file, outcome);
  }

  /** Ends at the caller's abort or at a failure beyond one file. */
  get signal(): AbortSignal {
    return this.fan.signal;
  }

  /** A signal for one task of the run (a file), ended with the run or on its own. */
  task(): TaskSignal {
    return this.fan.task();
  }

  /** One line for a failure, cleaned of secrets. */
  describe(err: unknown): string {
    return this.deps.describe(err);
  }

  /** The local tree at `localDir`; a missing root, or one that is not a folder, is a BoxInputError. */
  openTree(localDir: string): Promise<LocalTree> {
    return this.deps.local.openTree(localDir);
  }

  /**
   * The files of `root` to sync, as the walk finds them (walk.ts); a mirror is told each folder
   * listed whole on both sides; with renames tracked, new folders are told to the tracker, not made.
   */
  walk(root: SyncRoot, options: WalkOptions = {}): AsyncGenerator<FileJob> {
    return this.whole(this.walkFrom(root, options.from, options));
  }

  private walkFrom(root: SyncRoot, from: { path: string; folderId: string } | undefined, options: WalkOptions = {}): AsyncGenerator<FileJob> {
    const { settings, deps } = this;
    if (settings.deleteExtraneous) this.mirror ??= new Mirror(deps.api, settings, globs(settings.include, settings.exclude), this.tally, deps.describe);
    if (this.mirror && options.keep) this.mirror.keep = options.keep;
    if (settings.trackRenames && this.mirror) this.renames ??= this.tracker(root);
    const renames = this.renames;
    return walk({
      api: deps.api,
      ...root,
      settings,
      tally: this.tally,
      signal: this.signal,
      describe: deps.describe,
      mirror: this.mirror,
      ...(from ? { from } : {}),
      ...(renames ? { newFolder: (f: Parameters<RenameTracker["newFolder"]>[0]) => renames.newFolder(f) } : {}),
      ...(options.descend ? { descend: options.descend } : {}),
      ...(options.take ? { take: options.take } : {}),
      ...(options.onFolder ? { onFolder: options.onFolder } : {}),
    });
  }

  private tracker(root: SyncRoot): RenameTracker {
    return new RenameTracker({
      api: this.deps.api,
      settings: this.settings,
      tally: this.tally,
      mirror: this.mirror!,
      signal: this.signal,
      describe: (err) => this.describe(err),
      hash: (file) => hashFile({ deps: this.deps, tree: root.tree, signal: this.signal }, file),
      walkFrom: (path, folderId, each) => this.forEach(this.walkFrom(root, { path, folderId }), this.settings.transfers, each),
      moved: (files) => this.indexed.rekey(root.rootId, files),
    });
  }

  /**
   * Where a file the walk found goes first: with renames tracked, a file Box does not hold waits
   * for the walk's end (it may be a Box file that moved). True when the file was taken (the caller
   * sends nothing now).
   */
  private hold(file: FileJob): boolean {
    return this.renames !== undefined && !file.remote && this.renames.hold(file);
  }

  /**
   * After a whole walk, with renames tracked: the moves (folders synced inside), the new folders
   * made; then every file held is sent through `send`, `limit` at a time. A walk that did not end
   * whole (a failure, an abort, the window) moves nothing: what was held is deferred.
   */
  private async settleRenames(limit: number, send: (file: FileJob, signal: AbortSignal) => Promise<void>): Promise<void> {
    const renames = this.renames;
    if (!renames) return;
    if (!this.walkedWhole || this.fatal || this.signal.aborted) {
      for (const file of renames.release()) {
        this.tally.begin(file.path, file.size);
        this.tally.settled(file.path, deferred(file.size, "not started: the run ended before its renames were settled"));
      }
      return;
    }
    let rest: FileJob[];
    try {
      rest = await renames.settle(send);
    } catch (error) {
      return this.fail(error);
    }
    await this.forEach(
      (async function* () {
        yield* rest;
      })(),
      limit,
      send,
    );
  }

  private async *whole(files: AsyncGenerator<FileJob>): AsyncGenerator<FileJob> {
    yield* files;
    this.walkedWhole = true;
  }

  /**
   * Sends every file of `files` through `send`, `limit` at a time; with renames tracked, a file Box
   * does not hold waits for the walk's end (hold), and the moves are settled then (settleRenames).
   */
  async sendAll(files: AsyncGenerator<FileJob>, limit: number, send: (file: FileJob, signal: AbortSignal) => Promise<void>): Promise<void> {
    await this.forEach(files, limit, async (file, signal) => (this.hold(file) ? undefined : send(file, signal)));
    await this.settleRenames(limit, send);
  }

  /**
   * Runs `each` for every file of `files`, at most `limit` at a time, each with a signal of its
   * own. A failure beyond one file (the walk's, or `each` throwing) stops the run.
   */
  async forEach(files: AsyncGenerator<FileJob>, limit: number, each: (file: FileJob, signal: AbortSignal) => Promise<void>): Promise<void> {
    const worker = async () => {
      try {
        while (!this.signal.aborted) {
          const next = await files.next();
          if (next.done) return;
          // The run's window closed: this file and the rest are the next run's.
          if (this.window.closed) {
            this.tally.begin(next.value.path, next.value.size);
            this.tally.settled(next.value.path, deferred(next.value.size, "not started: the run's window closed (the next run sends it)"));
            return;
          }
          const task = this.fan.task();
          try {
            await each(next.value, task.signal);
          } finally {
            task.release();
          }
        }
      } catch (error) {
        this.fail(error);
      }
    };
    await Promise.all(Array.from({ length: limit }, worker));
    await files.return(undefined).catch(() => undefined);
  }

  /**
   * One file here, to its outcome (the quick check against the index first, unless `checksum`),
   * remembered in the index, and counted in the run's account unless `options.progress` is another's.
   */
  async transfer(root: SyncRoot, file: FileJob, signal: AbortSignal, options: TransferOptions = {}): Promise<FileOutcome> {
    const own = options.progress === undefined;
    if (own) this.tally.begin(file.path, file.size);
    // Another's progress (a worker's job): the meters of this process count it here.
    const metered = own || this.settings.dryRun ? undefined : new MeteredFile(this.deps.meter);
    const progress = metered ? meteredProgress(options.progress!, metered) : (options.progress ?? this.tally);
    const settings = options.settings ?? this.settings;
    let outcome: FileOutcome | undefined;
    try {
      const index = file.remote && !settings.checksum ? await this.index() : undefined;
      const indexed = index?.get(this.indexKey(root.rootId, file.path));
      try {
        outcome = await transfer({ deps: this.deps, ...root, settings, progress, signal, states: options.states ?? this.states, indexed, budget: this.window }, file);
      } catch (err) {
        // Stopped at a hard cutoff: deferred (a chunked file keeps its resume state), not failed.
        if (!(signal.reason instanceof WindowClosed)) throw err;
        outcome = deferred(file.size, "stopped: the run's window closed (the next run continues it)");
      }
    } finally {
      // Stopped (handed back to the queue): no longer in flight here, and no result of this process's.
      if (!outcome) metered?.dropped();
    }
    await this.remember(root.rootId, file, outcome);
    if (own) this.tally.settled(file.path, outcome);
    else metered?.settled(outcome.action === "fail" ? "failed" : RESULTS[outcome.action], outcome.action === "fail" ? 0 : outcome.bytesSent, outcome.action === "fail" ? 0 : outcome.bytesPlanned);
    return outcome;
  }

  /** Stops the run: every file's signal ends, and `finish` throws `error` (the first one given). */
  fail(error: unknown): void {
    this.fatal ??= { error };
    this.fan.stop(error);
  }

  /**
   * The end, once every file settled: deletions (a mirror, after a walk that ran whole), then the
   * summary; or the caller's abort, or the failure that stopped the run.
   */
  async finish(): Promise<SyncSummary> {
    try {
      if (this.mirror && this.walkedWhole && !this.fatal && !this.signal.aborted) await this.mirror.finish(this.signal).catch((error: unknown) => this.fail(error));
    } finally {
      this.window.dispose();
      this.fan.dispose();
      await this.indexed.close();
    }
    const caller = this.settings.signal;
    if (caller?.aborted) throw new UploadAbortedError(undefined, { cause: caller.reason });
    if (this.fatal) throw this.deps.clean(this.fatal.error);
    return this.tally.finish();
  }
}

/** Resume state in files under the run's state folder; none in a dry run or without one. */
function localStates(deps: SyncDeps, settings: SyncSettings): ((name: string) => Promise<StateStore>) | undefined {
  const dir = settings.dryRun ? undefined : settings.stateDir;
  return dir ? async (name) => deps.platform.stateStore(await deps.local.statePath(dir, name)) : undefined;
}
