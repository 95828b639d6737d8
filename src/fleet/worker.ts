/**
 * A worker: takes file jobs from the queue, `transfers` at a time, and runs each through the same
 * one-file path as a local sync (src/sync/transfer.ts: skip by SHA-1, version, new file, direct or
 * chunked), with one budget of part buffers (`concurrency`) for all of them and resume state in
 * Redis. Its result goes back with the job (BullMQ's completed event), never a secret.
 *
 * Stopping (the signal): no new job is taken, and every file in flight is stopped and handed back
 * to the queue at once (a chunked file keeps its session and state for whoever takes it next).
 * Dying (kill -9): BullMQ's stalled-job check hands its jobs back after `lockMs`, and its resume
 * locks expire after the same time.
 */
import type { Job } from "bullmq";
import type { RetryOptions } from "../core/retry";
import { BoxApiError, BoxInputError } from "../core/errors";
import { within } from "../core/sleep";
import { failed, type FileOutcome, type SyncEvent } from "../sync/options";
import type { LocalTree, SyncApi } from "../sync/ports";
import type { RemoteItem } from "../sync/remote";
import type { SyncRun } from "../sync/run";
import type { FileProgress } from "../sync/transfer";
import { isConnectionError } from "./health";
import { checkJobData, fileJobOf, settingsForJob, type FleetJobData, type FleetProgress } from "./jobs";
import { loadBullmq, QUEUE_NAME, type Connections, type FleetKeys } from "./redis";
import { RedisStateStore } from "./stateStore";
import { Heartbeat } from "./status";

export interface FleetWorkOptions {
  /** Files in flight in this worker, 1..64. Default 16, as a local sync. */
  transfers?: number;
  /** Part uploads in flight across this worker's files, each holding one part buffer, 1..64. Default 8. */
  concurrency?: number;
  retry?: RetryOptions;
  /** Stops the worker: nothing new is taken, files in flight are handed back; then `work` resolves. */
  signal?: AbortSignal;
  /** One event per file this worker settled (`file` or `failed`). */
  onEvent?: (event: SyncEvent) => void;
  /** The worker is connected and taking jobs. */
  onReady?: () => void;
  /** A queue error other than Redis out of reach (that is `fleet.onRedis`'s), e.g. a job that could not be stored: the worker goes on. */
  onError?: (err: unknown) => void;
}

/** A job handed back on stop waits this long for Redis to take it. */
const HAND_BACK_WAIT_MS = 2_000;
/** BullMQ's worker gets this long to close before it is left to its connections' end. */
const CLOSE_WAIT_MS = 3_000;

export interface WorkerEnv {
  conns: Connections;
  keys: FleetKeys;
  /** How long a lock lives without renewal (BullMQ's job lock and our resume locks). */
  lockMs: number;
  owner: string;
}

/** One job's progress, as its worker tells the producer: at most once a second (each is a round trip and an event), but the first word that it sends. */
class JobProgress implements FileProgress {
  private readonly now: FleetProgress = { toSend: false, bytesSent: 0 };
  private reported = 0;

  constructor(private readonly job: Job) {}

  toSend(): void {
    this.now.toSend = true;
    this.report(true);
  }
  sent(_path: string, bytesSent: number): void {
    this.now.bytesSent = Math.max(this.now.bytesSent, bytesSent);
    this.report(false);
  }
  private report(now: boolean): void {
    if (!now && Date.now() - this.reported < 1000) return;
    this.reported = Date.now();
    void this.job.updateProgress({ ...this.now }).catch(() => undefined);
  }
}

/** A file Box holds under this name, read again: a job taken a second time may find what its first try left. */
async function freshRemote(api: Pick<SyncApi, "getFile">, remote: RemoteItem | undefined, signal: AbortSignal): Promise<RemoteItem | undefined> {
  if (remote?.type !== "file") return remote;
  try {
    const f = await api.getFile(remote.id, ["sha1", "size", "etag"], { signal });
    return { ...remote, ...(typeof f.sha1 === "string" ? { sha1: f.sha1 } : {}), ...(typeof f.size === "number" ? { size: f.size } : {}), ...(typeof f.etag === "string" ? { etag: f.etag } : {}) };
  } catch (err) {
    if (err instanceof BoxApiError && err.status === 404) return undefined;
    throw err;
  }
}

/**
 * A job taken again after its worker died or stopped may find its file already in Box, put there
 * by the earlier try: that is this run's upload (or version), not a file found in place.
 */
function credited(d: FleetJobData, now: RemoteItem | undefined, retaken: boolean, r: FileOutcome): FileOutcome {
  if (!retaken || r.action !== "skip" || r.message) return r;
  const before = d.remote;
  if (before && (before.sha1 === undefined || before.sha1 === now?.sha1)) return r;
  return { ...r, action: before ? "version" : "upload", message: "found in Box, put there by an earlier try of this job" };
}

export function eventOf(path: string, r: FileOutcome): SyncEvent {
  return r.action === "fail"
    ? { type: "failed", path, size: r.size, message: r.error }
    : { type: "file", path, action: r.action, size: r.size, ...(r.message ? { message: r.message } : {}) };
}

/**
 * Takes jobs until `options.signal` aborts. `run` is this worker's sync run (its transfers,
 * budget and retries; its signal is `options.signal`): each job is a transfer in it, with the
 * job's own settings and its resume state in Redis.
 */
export async function runWorker(env: WorkerEnv, api: Pick<SyncApi, "getFile">, run: SyncRun, options: Pick<FleetWorkOptions, "signal" | "onEvent" | "onReady" | "onError"> = {}): Promise<void> {
  const { Worker, WaitingError } = loadBullmq();
  const trees = new Map<string, Promise<LocalTree>>();
  const treeOf = (root: string) => {
    let t = trees.get(root);
    if (!t) trees.set(root, (t = run.openTree(root)));
    t.catch(() => trees.delete(root));
    return t;
  };

  let beat: Heartbeat | undefined;
  const processor = async (job: Job, token?: string): Promise<FileOutcome> => {
    const d = checkJobData(job.data);
    // Ends with the worker (its signal), or alone when this file's resume lock is lost.
    const task = run.task();
    const counted = beat;
    counted?.took();
    let settled: FileOutcome | undefined;
    try {
      const signal = task.signal;
      signal.throwIfAborted();
      const retaken = job.attemptsStarted > 1 || job.stalledCounter > 0;
      const file = { ...fileJobOf(d), remote: retaken ? await freshRemote(api, d.remote, signal) : d.remote };
      const tree = await treeOf(d.root).catch((err: unknown) => {
        throw new BoxInputError("localDir", `this worker cannot open ${d.root} (every worker must see the tree at the same path): ${run.describe(err)}`);
      });
      const states = async (name: string) =>
        new RedisStateStore(env.conns.commands, env.keys, name, { owner: env.owner, lockMs: env.lockMs, onLost: (err) => task.abort(err), health: env.conns.health, signal });
      const outcome = await run.transfer({ tree, rootId: d.rootId }, file, signal, { settings: settingsForJob(run.settings, d), progress: new JobProgress(job), states });
      const result = (settled = credited(d, file.remote, retaken, outcome));
      try {
        options.onEvent?.(eventOf(d.path, result));
      } catch {
        /* a logger that throws changes nothing */
      }
      return result;
    } catch (err) {
      if (!task.signal.aborted) return (settled = failed(d.size, err, (e) => run.describe(e)));
      // Stopping, or this file's resume lock was lost: hand it back for another worker (or this
      // one, later). If BullMQ's own lock is gone too, someone else has it already; if Redis does
      // not answer, BullMQ's stalled check hands it back once it does.
      await within(job.moveToWait(token), HAND_BACK_WAIT_MS);
      throw new WaitingError();
    } finally {
      task.release();
      counted?.left(settled !== undefined, settled?.action === "fail");
    }
  };

  const worker = new Worker(QUEUE_NAME, processor, {
    connection: env.conns.bull,
    prefix: env.keys.prefix,
    concurrency: run.settings.transfers,
    lockDuration: env.lockMs,
    stalledInterval: env.lockMs,
    // A file whose worker died more often than this is failed rather than retried for ever.
    maxStalledCount: 5,
  });
  // What an outage does to BullMQ's connections is told once, by the fleet's Redis watcher (onRedis).
  worker.on("error", (err) => {
    if (!isConnectionError(err)) options.onError?.(err);
  });
  const stopped = new Promise<void>((resolve) => {
    if (run.signal.aborted) return resolve();
    run.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  try {
    await Promise.race([worker.waitUntilReady().catch(() => undefined), stopped]);
    if (!run.signal.aborted) {
      // Seen by `box-upload status` from now on.
      beat = new Heartbeat(env.conns, env.keys, env.owner);
      options.onReady?.();
    }
    await stopped;
  } finally {
    await beat?.stop();
    run.fail(options.signal?.reason ?? new Error("worker stopped"));
    // Files in flight are handed back (each bounded above); a worker whose Redis does not answer
    // does not wait for it to close: SIGTERM ends it within seconds either way.
    if (!(await within(worker.close(), CLOSE_WAIT_MS))) void worker.close(true).catch(() => undefined);
    await run.finish().catch(() => undefined);
  }
}
