/**
 * `box-upload sync <local_dir> <folder_id>`: a local tree into a Box folder, run again as often as
 * wanted. Resume state for chunked files lives in a state folder (default under
 * $XDG_STATE_HOME or ~/.local/state), so a killed run continues its sessions; exit 8 when some
 * files failed and the rest went in.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { DEFAULT_CHECKERS, DEFAULT_REDIS_WAIT_MS, DEFAULT_TRANSFERS, MAX_CHECKERS, MAX_TRANSFERS, UploadAbortedError, type OnConflict, type RetryEvent, type SyncOptions, type SyncSummary } from "../index";
import { EXIT } from "./exitCodes";
import { chunkedThreshold, countFlag, durationFlag, planMode, sharedFlags, wholeFlag, type SharedFlags } from "./flags";
import { printable, type Io } from "./output";
import { createScreen } from "./screen";
import { commandLine, withClient } from "./command";
import { createTreeView } from "./treeView";
import { capOf, sizeFlag } from "./pacing";
import { openOperator, operatorFlags, type OperatorFlags } from "./operator";
import { fleetAround, QUEUE_HELP, queueUrl, redisLine, secondsFlag, type QueueFlags } from "./worker";

/** The flags of a tree's run that `sync` and `watch` share. */
export interface TreeFlags extends SharedFlags, QueueFlags, OperatorFlags {
  delete?: boolean;
  maxDelete?: number;
  exclude?: string[];
  include?: string[];
  onConflict: OnConflict;
  transfers?: number;
  stateDir?: string;
  resume: boolean;
  redisWait?: number;
  checksum?: boolean;
  checkers?: number;
  trackRenames: boolean;
}

interface SyncFlags extends TreeFlags {
  dryRun?: boolean;
  maxDuration?: number;
  cutoff: "soft" | "hard";
  maxTransfer?: number;
}

/** The flags `sync` and `watch` share, on `cmd`. */
export function treeFlags(cmd: Command): Command {
  return operatorFlags(cmd)
    .option("--delete", "mirror: move Box items with no local counterpart to Box's trash (never excluded names, never where a listing failed)")
    .option("--max-delete <n>", "with --delete: when more than n items would go, delete nothing and exit 8 (moves are not deletions)", wholeFlag)
    .option("--no-track-renames", "with --delete: never move a Box item to where the tree has it; upload the file anew and trash the old one")
    .option("--exclude <glob>", "leave out matching files and folders (repeatable; a glob without / matches names at any depth)", collect)
    .option("--include <glob>", "sync only matching files (repeatable)", collect)
    .addOption(new Option("--on-conflict <what>", "a file Box holds with other content").choices(["version", "skip", "fail"]).default("version"))
    .option("--transfers <n>", `files in flight, 1-${MAX_TRANSFERS} (default ${DEFAULT_TRANSFERS})`, countFlag(MAX_TRANSFERS))
    .option("--state-dir <dir>", "resume state for chunked files, and the index of what was synced (default $XDG_STATE_HOME/box-upload/sync)")
    .option("--no-resume", "keep no state: an interrupted large file starts over next run, and every file is hashed")
    .option("--queue <url>", `queue the files for box-upload workers instead of sending them from here: ${QUEUE_HELP}`)
    .option("--checksum", "hash every file to compare it with Box's copy, ignoring the index of what was synced")
    .option("--checkers <n>", `folders listed at once, 1-${MAX_CHECKERS} (default ${DEFAULT_CHECKERS})`, countFlag(MAX_CHECKERS))
    .option("--redis-wait <seconds>", `with a queue: how long to wait for Redis, at the start or in an outage, before giving up with exit ${EXIT.network} (default ${DEFAULT_REDIS_WAIT_MS / 1000})`, secondsFlag);
}

/** The queue `sync` and `watch` were given, once the flags are checked: a usage mistake ends the command with exit 2. */
export function treeQueue(io: Io, flags: TreeFlags & { dryRun?: boolean }, cmd: Command): string | undefined {
  let queue: string | undefined;
  try {
    queue = queueUrl(io, flags);
  } catch (err) {
    return cmd.error(`error: ${(err as Error).message}`, { exitCode: EXIT.usage });
  }
  const mistake = treeMistake(flags, queue);
  if (mistake) return cmd.error(mistake, { exitCode: EXIT.usage });
  return queue;
}

/** What `sync` and `watch` check of the flags: a usage mistake's message, or undefined. */
function treeMistake(flags: TreeFlags & { dryRun?: boolean }, queue: string | undefined): string | undefined {
  // What only a local run has: with a queue, the workers have their own (the producer keeps only its index in the state folder).
  const local = queue ? (["dryRun", "transfers"] as const).find((k) => flags[k] !== undefined) : undefined;
  if (local) return `error: --${local === "dryRun" ? "dry-run" : local} does not go with a queue (${local === "dryRun" ? "a dry run is made by one process" : "each worker has its own"})`;
  if (flags.maxDelete !== undefined && !flags.delete) return "error: --max-delete goes with --delete (it limits what a mirror may trash)";
  return undefined;
}

/** The sync options the shared flags make. */
export function treeOptions(io: Io, flags: TreeFlags, stateDir: string | undefined, onRetry: ((e: RetryEvent) => void) | undefined): SyncOptions {
  const threshold = chunkedThreshold(io, flags);
  return {
    onConflict: flags.onConflict,
    exclude: flags.exclude ?? [],
    include: flags.include ?? [],
    ...(flags.delete ? { deleteExtraneous: true, trackRenames: flags.trackRenames } : {}),
    ...(flags.maxDelete !== undefined ? { maxDelete: flags.maxDelete } : {}),
    ...(threshold !== undefined ? { chunkedThreshold: threshold } : {}),
    ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
    ...(flags.transfers !== undefined ? { transfers: flags.transfers } : {}),
    ...(stateDir ? { stateDir } : {}),
    ...(flags.checksum ? { checksum: true } : {}),
    ...(flags.checkers !== undefined ? { checkers: flags.checkers } : {}),
    ...(onRetry ? { retry: { onRetry } } : {}),
    ...planMode(flags),
  };
}

const collect = (value: string, previous: string[] | undefined) => {
  if (value.length === 0) throw new InvalidArgumentError("must not be empty");
  return [...(previous ?? []), value];
};

export function defaultStateDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_STATE_HOME || join(homedir(), ".local", "state"), "box-upload", "sync");
}

/** The --json object: the summary in snake_case, and the plan in a dry run. */
export function summaryJson(summary: SyncSummary): Record<string, unknown> {
  return {
    uploaded: summary.uploaded,
    versioned: summary.versioned,
    skipped: summary.skipped,
    failed: summary.failed,
    folders_created: summary.foldersCreated,
    deleted: summary.deleted,
    moved: summary.moved,
    deferred: summary.deferred,
    bytes_sent: summary.bytesSent,
    bytes_planned: summary.bytesPlanned,
    bytes_read: summary.bytesRead,
    bytes_deferred: summary.bytesDeferred,
    stopped: summary.stopped ?? null,
    seconds: summary.seconds,
    failures: summary.failures,
    ...(summary.plan ? { plan: summary.plan } : {}),
  };
}

/** The last line of a run its window stopped: why, and what was left. */
export function stoppedLine(summary: SyncSummary): string {
  const why = summary.stopped === "max-duration" ? "--max-duration reached" : "--max-transfer reached";
  return `stopped: ${why}; ${summary.deferred} files (${(summary.bytesDeferred / 1e6).toFixed(1)} MB) and any not reached yet are left for the next run`;
}

export function summaryLine(summary: SyncSummary, dryRun: boolean, mirror: boolean): string {
  const verb = dryRun ? "would sync" : "synced";
  return (
    `${verb}: ${summary.uploaded} uploaded, ${summary.versioned} versioned, ${summary.skipped} skipped, ${summary.failed} failed, ` +
    `${summary.foldersCreated} folders created${mirror ? `, ${summary.moved} moved, ${summary.deleted} trashed` : ""}; ${(summary.bytesSent / 1e6).toFixed(1)} MB sent in ${summary.seconds.toFixed(1)} s`
  );
}

export function registerSync(program: Command, io: Io, argv: string[], setCode: (code: number) => void): void {
  treeFlags(sharedFlags(program.command("sync").description("put a local folder into a Box folder: new files, new versions, skip what Box already holds"), "part uploads in flight across the tree"))
    .argument("<local_dir>", "local folder to sync")
    .argument("<folder_id>", "Box folder to sync into (0 is the root)")
    .option("--dry-run", "compare and print the plan; create, send and delete nothing")
    .option("--max-duration <duration>", "no new file starts after this long (90s, 45m, 6h, 1h30m); the rest is for the next run, exit 9", durationFlag)
    .addOption(new Option("--cutoff <mode>", "at --max-duration: soft lets files in flight finish, hard stops them (they keep their resume state)").choices(["soft", "hard"]).default("soft"))
    .option("--max-transfer <size>", "no file starts that would take what this run sends past this (10M, 1G: MiB, GiB); the rest is for the next run, exit 9", sizeFlag)
    .action(async (localDir: string, folderId: string, flags: SyncFlags, cmd: Command) => {
      const queue = treeQueue(io, flags, cmd);
      const mode = flags.json ? "none" : flags.quiet ? "quiet" : io.stderr.isTTY ? "tty" : "lines";
      const screen = createScreen(io.stderr);
      const operator = await openOperator(flags, cmd, !!flags.dryRun, (line) => mode === "none" || mode === "quiet" || screen.say(line));
      const fleet = queue ? fleetAround(queue, undefined, operator.registry) : undefined;
      const view = createTreeView(mode, screen, !!flags.dryRun, capOf(io, flags));
      // The state folder: resume state for chunked files and the index (a dry run reads the index, writes nothing).
      const stateDir = flags.resume ? (flags.stateDir ?? defaultStateDir(io.env)) : undefined;
      const hint = (err: unknown, interrupted: boolean): string[] => {
        if (!interrupted && !(err instanceof UploadAbortedError)) return [];
        return [
          queue ? "interrupted: files done so far are in Box; files still queued were taken back (those in a worker's hands finish)"
          : stateDir ? `interrupted: files done so far are in Box; large files in flight keep their state in ${stateDir}` : "interrupted: files done so far are in Box",
          "to continue, run the same command again (what Box holds is skipped):",
          `  ${commandLine(argv)}`,
        ];
      };
      const close = async () => {
        await fleet?.around.close?.();
        await operator.close();
      };
      const around = { screen, stopView: () => view.stop(), hint, ...fleet?.around, close, ...(operator.registry ? { metrics: operator.registry } : {}) };
      const code = await withClient(io, flags, around, async ({ client, signal, onRetry }) => {
        const options: SyncOptions = {
          ...treeOptions(io, flags, stateDir, onRetry),
          signal,
          dryRun: !!flags.dryRun,
          ...(flags.maxDuration !== undefined ? { maxDurationMs: flags.maxDuration, cutoff: flags.cutoff } : {}),
          ...(flags.maxTransfer !== undefined ? { maxTransferBytes: flags.maxTransfer } : {}),
          onEvent: (e) => {
            operator.event(e, (text) => client.redact(text));
            view.event(e);
          },
          onProgress: (p) => view.progress(p),
        };
        // The view's last frame goes out before anything else is printed, a fatal error included,
        // so a redraw can never overwrite it.
        const { dryRun: _d, transfers: _t, ...rest } = options;
        const queued = { ...rest, ...(flags.redisWait !== undefined ? { redisWaitMs: flags.redisWait * 1000 } : {}) };
        let running: Promise<SyncSummary>;
        if (fleet) {
          const f = fleet.fleet();
          // A job: a line when an outage starts and one when it ends; it gives up after DEFAULT_REDIS_WAIT_MS.
          const quiet = f.onRedis((status) => {
            const line = redisLine(status, f.queue, false);
            if (line && mode !== "none") screen.say(line);
          });
          running = f.sync(client, localDir, folderId, queued).finally(quiet);
        } else running = client.syncFolder(localDir, folderId, options);
        const summary = await running.finally(() => view.stop());
        if (flags.json) io.stdout.write(`${client.redact(JSON.stringify(summaryJson(summary)))}\n`);
        else if (!flags.quiet || summary.failed) io.stdout.write(`${printable(client.redact(summaryLine(summary, !!flags.dryRun, !!flags.delete)))}\n`);
        if (summary.stopped && !flags.json) io.stderr.write(`${stoppedLine(summary)}\n`);
        return summary.failed ? EXIT.partial : summary.deferred || summary.stopped ? EXIT.window : EXIT.ok;
      });
      setCode(code);
    });
}
