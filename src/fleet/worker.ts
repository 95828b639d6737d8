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
import { BoxApiError, BoxInputError } from "../core/errors";
import type { RetryOptions } from "../core/retry";
import { syncSettings, type SyncEvent, type SyncSettings } from "../sync/options";
import type { LocalTree, SyncDeps } from "../sync/ports";
import type { RemoteItem } from "../sync/remote";
import { transfer, type TransferTally } from "../sync/transfer";
import { checkJobData, fileJobOf, type FleetJobData, type FleetProgress, type FleetResult } from "./jobs";
import { loadBullmq, QUEUE_NAME, type Connections, type FleetKeys } from "./redis";
import { RedisStateStore } from "./stateStore";

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
  /** A queue error (Redis unreachable, a job that could not be stored): the worker goes on. */
  onError?: (err: unknown) => void;
}

export interface WorkerEnv {
  conns: Connections;
  keys: FleetKeys;
  /** How long a lock lives without renewal (BullMQ's job lock and our resume locks). */
  lockMs: number;
  owner: string;
}

/** One job's account: what transfer reports, turned into the job's progress and result. */
class JobRecord implements TransferTally {
  result: FleetResult | undefined;
  private readonly progress: FleetProgress = { toSend: false, bytesSent: 0 };
  private reported = 0;
  private plannedBytes = 0;

  constructor(
    private readonly job: Job,
    private readonly size: number,
  ) {}

  begin(): void {}
  toSend(): void {
    this.progress.toSend = true;
    this.report(true);
  }
  sent(_path: string, bytesSent: number): void {
    this.progress.bytesSent = Math.max(this.progress.bytesSent, bytesSent);
    this.report(false);
  }
  planned(bytes: number): void {
    this.plannedBytes += bytes;
  }
  done(_path: string, action: "upload" | "version" | "skip", size: number, sentBytes: number, message?: string): void {
    this.result = { action, size, sentBytes, ...(this.plannedBytes ? { plannedBytes: this.plannedBytes } : {}), ...(message ? { message } : {}) };
  }
  failed(_path: string, error: string, size?: number): void {
    this.result = { action: "fail", size: size ?? this.size, error };
  }

  /** At most once a second (each is a round trip and an event), except the first word that it sends. */
  private report(now: boolean): void {
    if (!now && Date.now() - this.reported < 1000) return;
    this.reported = Date.now();
    void this.job.updateProgress({ ...this.progress }).catch(() => undefined);
  }
}

/** A file Box holds under this name, read again: a job taken a second time may find what its first try left. */
async function freshRemote(deps: SyncDeps, remote: RemoteItem | undefined, signal: AbortSignal): Promise<RemoteItem | undefined> {
  if (remote?.type !== "file") return remote;
  try {
    const f = await deps.api.getFile(remote.id, ["sha1", "size", "etag"], { signal });
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
function credited(d: FleetJobData, now: RemoteItem | undefined, retaken: boolean, r: FleetResult): FleetResult {
  if (!retaken || r.action !== "skip" || r.message) return r;
  const before = d.remote;
  if (before && (before.sha1 === undefined || before.sha1 === now?.sha1)) return r;
  return { ...r, action: before ? "version" : "upload", message: "found in Box, put there by an earlier try of this job" };
}

export function eventOf(path: string, r: FleetResult): SyncEvent {
  return r.action === "fail"
    ? { type: "failed", path, size: r.size, message: r.error }
    : { type: "file", path, action: r.action, size: r.size, ...(r.message ? { message: r.message } : {}) };
}

export async function runWorker(env: WorkerEnv, deps: SyncDeps, options: FleetWorkOptions = {}): Promise<void> {
  const { Worker, WaitingError } = loadBullmq();
  // Checked once; the budget of part buffers is the worker's, shared by every file it runs.
  const base = syncSettings({ transfers: options.transfers, concurrency: options.concurrency, retry: options.retry });
  const settings = new Map<string, SyncSettings>();
  const settingsFor = (d: FleetJobData): SyncSettings => {
    const key = `${d.onConflict} ${d.chunkedThreshold} ${d.commitWaitMs} ${d.plan}`;
    let s = settings.get(key);
    if (!s) settings.set(key, (s = { ...base, onConflict: d.onConflict, run: { ...base.run, chunkedThreshold: d.chunkedThreshold, commitWaitMs: d.commitWaitMs, plan: d.plan } }));
    return s;
  };
  const trees = new Map<string, Promise<LocalTree>>();
  const treeOf = (root: string) => {
    let t = trees.get(root);
    if (!t) trees.set(root, (t = deps.local.openTree(root)));
    t.catch(() => trees.delete(root));
    return t;
  };
  const stop = new AbortController();
  // One listener on the stop signal aborts every file's own (as syncFolder does).
  const files = new Set<AbortController>();
  stop.signal.addEventListener("abort", () => files.forEach((c) => c.abort(stop.signal.reason)), { once: true });

  const processor = async (job: Job, token?: string): Promise<FleetResult> => {
    const d = checkJobData(job.data);
    const own = new AbortController();
    files.add(own);
    const record = new JobRecord(job, d.size);
    try {
      if (stop.signal.aborted) own.abort(stop.signal.reason);
      own.signal.throwIfAborted();
      const signal = own.signal;
      const retaken = job.attemptsStarted > 1 || job.stalledCounter > 0;
      const file = { ...fileJobOf(d), remote: retaken ? await freshRemote(deps, d.remote, signal) : d.remote };
      const tree = await treeOf(d.root).catch((err: unknown) => {
        throw new BoxInputError("localDir", `this worker cannot open ${d.root} (every worker must see the tree at the same path): ${deps.describe(err)}`);
      });
      const states = async (name: string) => new RedisStateStore(env.conns.commands, env.keys, name, { owner: env.owner, lockMs: env.lockMs, onLost: (err) => own.abort(err) });
      await transfer({ deps, tree, rootId: d.rootId, s: settingsFor(d), tally: record, signal, call: { signal }, states }, file);
      const result = credited(d, file.remote, retaken, record.result ?? { action: "fail", size: d.size, error: "the transfer ended without a result" });
      try {
        options.onEvent?.(eventOf(d.path, result));
      } catch {
        /* a logger that throws changes nothing */
      }
      return result;
    } catch (err) {
      if (!own.signal.aborted) return { action: "fail", size: d.size, error: deps.describe(err) };
      // Stopping, or this file's resume lock was lost: hand it back for another worker (or this
      // one, later). If BullMQ's own lock is gone too, someone else has it already.
      await job.moveToWait(token).catch(() => undefined);
      throw new WaitingError();
    } finally {
      files.delete(own);
    }
  };

  const worker = new Worker(QUEUE_NAME, processor, {
    connection: env.conns.bull,
    prefix: env.keys.prefix,
    concurrency: base.transfers,
    lockDuration: env.lockMs,
    stalledInterval: env.lockMs,
    // A file whose worker died more often than this is failed rather than retried for ever.
    maxStalledCount: 5,
  });
  worker.on("error", (err) => options.onError?.(err));
  const stopped = new Promise<void>((resolve) => {
    if (options.signal?.aborted) return resolve();
    options.signal?.addEventListener("abort", () => resolve(), { once: true });
  });
  try {
    await Promise.race([worker.waitUntilReady(), stopped]);
    if (!options.signal?.aborted) options.onReady?.();
    await stopped;
  } finally {
    stop.abort(options.signal?.reason ?? new Error("worker stopped"));
    await worker.close();
  }
}
