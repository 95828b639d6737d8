/**
 * One sync run, whatever feeds it and wherever its files go: the settings resolved once, the
 * running account (Tally), the run's signal (the caller's abort, or a failure beyond one file)
 * fanned out to a signal per file, the walk of a tree, one file's transfer, and the end
 * (deletions once every file settled, then the summary). A local sync (syncFolder.ts) walks a tree
 * and transfers each file here; a fleet's producer walks and queues; a fleet's worker transfers
 * what a queue hands it; a watcher walks once, then transfers what changes.
 */
import { UploadAbortedError } from "../core/errors";
import { SignalFan, type TaskSignal } from "../core/signalFan";
import type { StateStore } from "../upload/resume";
import { globs } from "./globs";
import { Mirror } from "./mirror";
import type { FileOutcome, SyncSettings, SyncSummary } from "./options";
import type { LocalTree, SyncDeps } from "./ports";
import { Tally } from "./tally";
import { transfer, type FileProgress } from "./transfer";
import { walk, type FileJob } from "./walk";

/** Where a file goes: the local tree it is read from, and the Box folder the tree goes into. */
export interface SyncRoot {
  tree: LocalTree;
  rootId: string;
}

export interface TransferOptions {
  /** Settings for this file instead of the run's (a queued job's own), sharing the run's budget. */
  settings?: SyncSettings;
  /** Where its progress goes instead of the run's account; its outcome is then not counted here. */
  progress?: FileProgress;
  /** Where its resume state is kept instead of the run's place (a fleet's Redis). */
  states?: (name: string) => Promise<StateStore>;
}

export class SyncRun {
  readonly tally: Tally;
  private readonly fan: SignalFan;
  private fatal: { error: unknown } | undefined;
  private mirror: Mirror | undefined;

  /**
   * `states`: where chunked files keep their resume state, by name (a fleet's Redis); by default a
   * file per name in `settings.stateDir`, and none in a dry run or without a state folder.
   */
  constructor(
    private readonly deps: SyncDeps,
    readonly settings: SyncSettings,
    private readonly states = localStates(deps, settings),
  ) {
    if (settings.signal?.aborted) throw new UploadAbortedError(undefined, { cause: settings.signal.reason });
    this.tally = new Tally(settings);
    this.fan = new SignalFan([settings.signal]);
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

  /** The files of `root` to sync, as the walk finds them (walk.ts); a mirror is told each folder listed whole on both sides. */
  walk(root: SyncRoot): AsyncGenerator<FileJob> {
    const { settings, deps } = this;
    if (settings.deleteExtraneous) this.mirror ??= new Mirror(deps.api, settings, globs(settings.include, settings.exclude), this.tally, deps.describe);
    return walk({ api: deps.api, ...root, settings, tally: this.tally, signal: this.signal, describe: deps.describe, mirror: this.mirror });
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

  /** One file here, to its outcome, counted in the run's account unless `options.progress` is another's. */
  async transfer(root: SyncRoot, file: FileJob, signal: AbortSignal, options: TransferOptions = {}): Promise<FileOutcome> {
    const own = options.progress === undefined;
    if (own) this.tally.begin(file.path, file.size);
    const progress = options.progress ?? this.tally;
    const outcome = await transfer({ deps: this.deps, ...root, settings: options.settings ?? this.settings, progress, signal, states: options.states ?? this.states }, file);
    if (own) this.tally.settled(file.path, outcome);
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
      if (this.mirror && !this.fatal && !this.signal.aborted) await this.mirror.finish(this.signal).catch((error: unknown) => this.fail(error));
    } finally {
      this.fan.dispose();
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
