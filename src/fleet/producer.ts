/**
 * The producer of a sync spread over workers: a sync run (src/sync/run.ts) whose walk's files
 * become jobs in the queue instead of transfers here. It keeps at most `maxQueued` of its jobs in
 * the queue at once (so Redis and this process hold a bounded amount whatever the tree's size),
 * follows them through BullMQ's events stream (started, progress, outcome), and counts them in the
 * run's own account, so the live view, the summary and the exit codes are a local sync's.
 *
 * Jobs are removed as they finish, so when the run ends its job data is gone from Redis. A job
 * that vanished without its outcome reaching us (a producer of the same sync took it over, an
 * events stream trimmed under a reader that fell far behind) is simply added again: a file done
 * is then found in Box and skipped.
 */
import { resolve } from "node:path";
import type { JobType, Queue, QueueEvents } from "bullmq";
import { linkedSignal } from "../core/linkedSignal";
import { sleep, untilAborted, within } from "../core/sleep";
import { deferred, type FileOutcome, type SyncSummary } from "../sync/options";
import { unchanged } from "../sync/quickCheck";
import type { SyncRun } from "../sync/run";
import type { FileJob } from "../sync/walk";
import type { Tally } from "../sync/tally";
import { jobData, jobIdFor, jobSettingsOf, readOutcome, type FleetJobData, type FleetProgress } from "./jobs";
import { loadBullmq, QUEUE_NAME, type Connections, type FleetKeys } from "./redis";

/**
 * Jobs of one run in the queue at once, by default. Enough to keep many workers busy (each takes
 * its `transfers`); each costs Redis about 1 KB while queued (see docs/fleet.md for the measure).
 */
export const DEFAULT_MAX_QUEUED = 2_000;
/** With jobs outstanding and no word of any of them for this long, the producer looks for them. */
const QUIET_MS = 15_000;
/** Taking back what is queued, at the end, gets this long. */
const CLOSE_WAIT_MS = 5_000;

interface Pending {
  data: FleetJobData;
  file: FileJob;
  began: boolean;
  toSend: boolean;
}

/** How long a producer waits for Redis (at the start, or in an outage) before it gives up, by default. */
export const DEFAULT_REDIS_WAIT_MS = 30_000;

/** Where a producer's files go: `send` queues one (or decides it here), `settle` waits for every job and lets go. */
export interface QueueSender {
  send(file: FileJob, signal: AbortSignal): Promise<void>;
  settle(): Promise<void>;
}

/**
 * A producer's side of a run (a sync's, or one pass of a watcher's): files the index finds
 * unchanged are decided here and never queued, the rest become jobs, each job's outcome is counted
 * in the run's account and remembered in its index (and told to `onOutcome`).
 */
export async function queueSender(
  conns: Connections,
  keys: FleetKeys,
  run: SyncRun,
  root: string,
  folderId: string,
  limits: { maxQueued: number; redisWaitMs: number },
  onOutcome?: (file: FileJob, outcome: FileOutcome) => void,
): Promise<QueueSender> {
  await conns.health.waitUp(run.signal, limits.redisWaitMs);
  // The index is the producer's: the walk is here, so a file the quick check finds unchanged is
  // never queued, and each job's outcome is remembered here for the next run.
  const index = run.settings.checksum ? undefined : await run.index();
  const remember = (file: FileJob, outcome: FileOutcome) => {
    run.spent(file.size, outcome.action === "fail" ? 0 : outcome.bytesSent);
    void run.remember(folderId, file, outcome);
    onOutcome?.(file, outcome);
  };
  const queued = await QueuedFiles.open(conns, keys, run.tally, limits.maxQueued, run.signal, remember);
  const settings = jobSettingsOf(run.settings);
  return {
    send: async (file, signal) => {
      if (file.remote && unchanged(index?.get(run.indexKey(folderId, file.path)), file.identity, file.remote)) {
        run.tally.begin(file.path, file.size);
        return run.tally.settled(file.path, { action: "skip", size: file.size, bytesSent: 0, bytesPlanned: 0, id: file.remote.id, compared: "index", ...(file.remote.sha1 ? { sha1: file.remote.sha1 } : {}) });
      }
      // --max-transfer: reserved at its size, given back for what its worker did not send.
      if (!run.admit(file.size)) {
        run.tally.begin(file.path, file.size);
        return run.tally.settled(file.path, deferred(file.size, "not queued: the run's window closed (the next run sends it)"));
      }
      await queued.put(jobIdFor(folderId, file.path), jobData(root, folderId, file, settings), file, signal);
    },
    settle: async () => {
      try {
        // Deletions come after (run.finish), as a local sync makes them: once every job settled.
        if (!run.signal.aborted) await queued.drain(run.signal);
      } finally {
        // Stopped early: take our queued jobs back (a job a worker holds finishes there, and a rerun skips it).
        await queued.close();
      }
    },
  };
}

export async function runProducer(
  conns: Connections,
  keys: FleetKeys,
  run: SyncRun,
  localDir: string,
  folderId: string,
  limits: { maxQueued: number; redisWaitMs: number },
): Promise<SyncSummary> {
  const root = resolve(localDir);
  const { health } = conns;
  // A job, not a service: Redis out of reach for longer than redisWaitMs ends the run (EREDIS).
  const watchdog = setInterval(() => {
    if (!health.isUp && Date.now() - health.downSince >= limits.redisWaitMs) run.fail(health.unreachable(Date.now() - health.downSince));
  }, 250);
  try {
    const tree = await run.openTree(root);
    const sender = await queueSender(conns, keys, run, root, folderId, limits);
    try {
      // Renames are the producer's to decide, as deletions are: new files wait for the walk's end.
      await run.sendAll(run.walk({ tree, rootId: folderId }), 1, (file, signal) => sender.send(file, signal));
    } finally {
      await sender.settle();
    }
  } catch (error) {
    run.fail(error);
  } finally {
    clearInterval(watchdog);
  }
  return run.finish();
}

/** This run's jobs in the queue: added with room kept for at most `maxQueued`, followed to their outcomes. */
class QueuedFiles {
  private readonly pending = new Map<string, Pending>();
  private heard = Date.now();
  private wake: () => void = () => undefined;
  private readonly lookAgain: ReturnType<typeof setInterval>;

  private constructor(
    private readonly conns: Connections,
    private readonly keys: FleetKeys,
    private readonly tally: Tally,
    private readonly maxQueued: number,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly onSettled: (file: FileJob, outcome: FileOutcome) => void,
  ) {
    events.on("error", () => undefined);
    events.on("active", ({ jobId }) => this.began(jobId));
    events.on("progress", ({ jobId, data }) => this.progress(jobId, data));
    events.on("completed", ({ jobId, returnvalue }) => this.settle(jobId, readOutcome(returnvalue)));
    events.on("failed", ({ jobId, failedReason }) => {
      const p = this.pending.get(jobId);
      if (p) this.settle(jobId, { action: "fail", size: p.data.size, error: `the queue gave up on it: ${failedReason}` });
    });
    // Jobs that vanished without a word (see the header) are added again.
    this.lookAgain = setInterval(() => this.look(), 1000);
  }

  static async open(
    conns: Connections,
    keys: FleetKeys,
    tally: Tally,
    maxQueued: number,
    signal: AbortSignal,
    onSettled: (file: FileJob, outcome: FileOutcome) => void,
  ): Promise<QueuedFiles> {
    const { Queue, QueueEvents } = loadBullmq();
    // Read the events from the last one before our first job, so none of ours is missed.
    const last = await conns.health.riding(signal, "the events stream", () => conns.commands.xrevrange(eventsKey(keys), "+", "-", "COUNT", 1));
    const queue = new Queue(QUEUE_NAME, { connection: conns.bull, prefix: keys.prefix });
    // Heard, so BullMQ does not print what an outage does to it: the health watcher says it once.
    queue.on("error", () => undefined);
    const events = new QueueEvents(QUEUE_NAME, { connection: conns.blocking(), prefix: keys.prefix, lastEventId: last[0]?.[0] ?? "0-0" });
    const queued = new QueuedFiles(conns, keys, tally, maxQueued, queue, events, onSettled);
    try {
      await untilAborted(events.waitUntilReady(), signal);
    } catch (err) {
      await queued.close();
      throw err;
    }
    return queued;
  }

  /** Adds a file's job once there is room for it. */
  async put(id: string, data: FleetJobData, file: FileJob, signal: AbortSignal): Promise<void> {
    while (this.pending.size >= this.maxQueued) await this.untilChange(signal);
    this.pending.set(id, { data, file, began: false, toSend: false });
    await this.add(id, data);
  }

  /** Waits until every job of this run has its outcome. */
  async drain(signal: AbortSignal): Promise<void> {
    while (this.pending.size) await this.untilChange(signal);
  }

  /**
   * Takes back what is still queued, stops listening, and clears the events stream when no run has
   * jobs left; bounded, so a Redis that does not answer cannot hold a producer that was stopped.
   */
  async close(): Promise<void> {
    clearInterval(this.lookAgain);
    await within(this.release(), CLOSE_WAIT_MS);
    void this.events.close().catch(() => undefined);
    void this.queue.close().catch(() => undefined);
  }

  private async release(): Promise<void> {
    if (!this.conns.health.isUp) return;
    await Promise.all([...this.pending.keys()].map((id) => this.queue.remove(id).catch(() => 0)));
    try {
      const counts = await this.queue.getJobCounts(...(["waiting", "active", "delayed", "prioritized", "paused", "waiting-children"] as JobType[]));
      // The stream names job ids and outcomes: it goes with the last job of any run.
      if (Object.values(counts).every((n) => n === 0)) await this.conns.commands.del(eventsKey(this.keys));
    } catch {
      /* best effort: the stream is capped anyway */
    }
  }

  private add(id: string, data: FleetJobData) {
    return this.queue.add("file", data, { jobId: id, removeOnComplete: true, removeOnFail: true });
  }

  private touch(): void {
    this.heard = Date.now();
    this.wake();
  }

  private began(id: string, p = this.pending.get(id)): Pending | undefined {
    // A worker does it: its meters count it, not this process's.
    if (p && !p.began) this.tally.begin(p.data.path, p.data.size, true);
    if (p) {
      p.began = true;
      this.touch();
    }
    return p;
  }

  private progress(id: string, data: unknown): void {
    const p = this.pending.get(id);
    if (!p || typeof data !== "object" || data === null) return;
    this.began(id, p);
    const progress = data as Partial<FleetProgress>;
    if (progress.toSend && !p.toSend) this.tally.toSend(p.data.path, p.data.size);
    p.toSend ||= progress.toSend === true;
    if (typeof progress.bytesSent === "number") this.tally.sent(p.data.path, Math.min(progress.bytesSent, p.data.size));
  }

  private settle(id: string, outcome: FileOutcome): void {
    const p = this.began(id);
    if (!p) return;
    this.pending.delete(id);
    if (outcome.action !== "fail" && outcome.action !== "skip" && !p.toSend) this.tally.toSend(p.data.path, p.data.size);
    this.tally.settled(p.data.path, outcome);
    this.onSettled(p.file, outcome);
    this.touch();
  }

  private look(): void {
    if (!this.pending.size || Date.now() - this.heard < QUIET_MS) return;
    this.heard = Date.now();
    const ids = [...this.pending.keys()];
    const exists = this.conns.commands.pipeline(ids.map((id) => ["exists", `${this.keys.prefix}:${QUEUE_NAME}:${id}`]));
    void exists
      .exec()
      .then((answers) =>
        answers?.forEach(([err, found], i) => {
          const p = this.pending.get(ids[i]!);
          if (!err && found === 0 && p) void this.add(ids[i]!, p.data).catch(() => undefined);
        }),
      )
      .catch(() => undefined);
  }

  /** Waits for word of a job, or ends at once with the signal's reason; bounded, so the caller looks again now and then. */
  private async untilChange(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const tick = linkedSignal([signal], 1000);
    try {
      await Promise.race([new Promise<void>((r) => (this.wake = r)), sleep(1000, tick.signal).catch(() => undefined)]);
    } finally {
      tick.dispose();
    }
    signal.throwIfAborted();
  }
}

const eventsKey = (keys: FleetKeys) => `${keys.prefix}:${QUEUE_NAME}:events`;
