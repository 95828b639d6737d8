/**
 * The producer of a sync spread over workers: the same walk as a local sync (src/sync/walk.ts:
 * globs, names, Box folders made as reached), but each file becomes a job in the queue instead
 * of a transfer here. It keeps at most `maxQueued` of its jobs in the queue at once (so Redis and
 * this process hold a bounded amount whatever the tree's size), follows them through BullMQ's
 * events stream (started, progress, result), and counts them in the same Tally as a local sync,
 * so the live view, the summary and the exit codes are a local sync's.
 *
 * Jobs are removed as they finish, so when the run ends its job data is gone from Redis. A job
 * that vanished without its result reaching us (a producer of the same sync took it over, an
 * events stream trimmed under a reader that fell far behind) is simply added again: a file done
 * is then found in Box and skipped.
 */
import { resolve } from "node:path";
import type { QueueEvents } from "bullmq";
import { BoxInputError, UploadAbortedError } from "../core/errors";
import { linkedSignal } from "../core/linkedSignal";
import { sleep } from "../core/sleep";
import { checkIntInRange, checkOptionsObject } from "../core/validate";
import { syncSettings, type SyncOptions, type SyncSummary } from "../sync/options";
import type { SyncDeps } from "../sync/ports";
import { globs } from "../sync/globs";
import { Mirror } from "../sync/mirror";
import { Tally } from "../sync/tally";
import { walk } from "../sync/walk";
import { jobData, jobIdFor, type FleetJobData, type FleetProgress, type FleetResult } from "./jobs";
import { loadBullmq, QUEUE_NAME, type Connections, type FleetKeys } from "./redis";

/**
 * Jobs of one run in the queue at once, by default. Enough to keep many workers busy (each takes
 * its `transfers`); each costs Redis about 1 KB while queued (see docs/fleet.md for the measure).
 */
export const DEFAULT_MAX_QUEUED = 2_000;
/** With jobs outstanding and no word of any of them for this long, the producer looks for them. */
const QUIET_MS = 15_000;

export type FleetSyncOptions = Omit<SyncOptions, "dryRun" | "transfers" | "concurrency" | "stateDir"> & {
  /** This run's jobs in the queue at once, 1..100,000. Default {@link DEFAULT_MAX_QUEUED}. */
  maxQueued?: number;
};

interface Pending {
  data: FleetJobData;
  began: boolean;
  toSend: boolean;
}

export async function runProducer(conns: Connections, keys: FleetKeys, deps: SyncDeps, localDir: string, folderId: string, options: unknown): Promise<SyncSummary> {
  const o = checkOptionsObject<FleetSyncOptions & SyncOptions>("options", options);
  for (const name of ["dryRun", "transfers", "concurrency", "stateDir"] as const) {
    if (o[name] !== undefined) throw new BoxInputError(`options.${name}`, name === "dryRun" ? "a dry run is made in one process: leave out the queue" : "is each worker's own: give it to the workers");
  }
  const maxQueued = o.maxQueued === undefined ? DEFAULT_MAX_QUEUED : checkIntInRange("options.maxQueued", o.maxQueued, 1, 100_000);
  const { maxQueued: _, ...rest } = o;
  const s = syncSettings(rest);
  if (s.signal?.aborted) throw new UploadAbortedError(undefined, { cause: s.signal.reason });
  const root = resolve(localDir);
  const tree = await deps.local.openTree(root);
  const tally = new Tally(s);
  const stop = new AbortController();
  const linked = linkedSignal([s.signal, stop.signal]);
  const signal = linked.signal;
  const mirror = s.deleteExtraneous ? new Mirror(deps.api, s, globs(s.include, s.exclude), tally, deps.describe) : undefined;

  const { Queue, QueueEvents } = loadBullmq();
  const queue = new Queue(QUEUE_NAME, { connection: conns.bull, prefix: keys.prefix });
  const eventsKey = `${keys.prefix}:${QUEUE_NAME}:events`;
  const pending = new Map<string, Pending>();
  let heard = Date.now();
  let wake: () => void = () => undefined;
  const changed = () => new Promise<void>((r) => (wake = r));
  const touch = () => {
    heard = Date.now();
    wake();
  };
  const begun = (p: Pending) => {
    if (!p.began) tally.begin(p.data.path, p.data.size);
    p.began = true;
  };
  const settle = (id: string, r: FleetResult) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    begun(p);
    if (r.action === "fail") tally.failed(p.data.path, r.error, r.size);
    else {
      if (r.action !== "skip" && !p.toSend) tally.toSend(p.data.path, p.data.size);
      if (typeof r.plannedBytes === "number" && r.plannedBytes > 0) tally.planned(r.plannedBytes);
      tally.done(p.data.path, r.action, r.size, r.sentBytes, r.message);
    }
    touch();
  };

  let events: QueueEvents | undefined;
  let fatal: { error: unknown } | undefined;
  try {
    // Read the events from the last one before our first job, so none of ours is missed.
    const last = await conns.commands.xrevrange(eventsKey, "+", "-", "COUNT", 1);
    events = new QueueEvents(QUEUE_NAME, { connection: conns.blocking(), prefix: keys.prefix, lastEventId: last[0]?.[0] ?? "0-0" });
    events.on("error", () => undefined);
    events.on("active", ({ jobId }) => {
      const p = pending.get(jobId);
      if (p) (begun(p), touch());
    });
    events.on("progress", ({ jobId, data }) => {
      const p = pending.get(jobId);
      if (!p || typeof data !== "object" || data === null) return;
      const progress = data as Partial<FleetProgress>;
      begun(p);
      if (progress.toSend && !p.toSend) tally.toSend(p.data.path, p.data.size);
      p.toSend ||= progress.toSend === true;
      if (typeof progress.bytesSent === "number") tally.sent(p.data.path, Math.min(progress.bytesSent, p.data.size));
      touch();
    });
    events.on("completed", ({ jobId, returnvalue }) => {
      const r = returnvalue as unknown as Partial<FleetResult> | null;
      const readable = typeof r === "object" && r !== null && ["upload", "version", "skip", "fail"].includes(r.action as string);
      settle(jobId, readable ? (r as FleetResult) : { action: "fail", size: 0, error: "a worker answered with a result this producer cannot read (another version?)" });
    });
    events.on("failed", ({ jobId, failedReason }) => {
      const p = pending.get(jobId);
      if (p) settle(jobId, { action: "fail", size: p.data.size, error: `the queue gave up on it: ${failedReason}` });
    });
    await events.waitUntilReady();

    const add = (id: string, data: FleetJobData) => queue.add("file", data, { jobId: id, removeOnComplete: true, removeOnFail: true });
    // Jobs that vanished without a word (see the header) are added again.
    const lookAgain = setInterval(() => {
      if (!pending.size || Date.now() - heard < QUIET_MS) return;
      heard = Date.now();
      const ids = [...pending.keys()];
      const exists = conns.commands.pipeline(ids.map((id) => ["exists", `${keys.prefix}:${QUEUE_NAME}:${id}`]));
      void exists
        .exec()
        .then((answers) => answers?.forEach(([err, found], i) => !err && found === 0 && pending.has(ids[i]!) && void add(ids[i]!, pending.get(ids[i]!)!.data).catch(() => undefined)))
        .catch(() => undefined);
    }, 1000);
    try {
      const run = { onConflict: s.onConflict, chunkedThreshold: s.run.chunkedThreshold, commitWaitMs: s.run.commitWaitMs, plan: s.run.plan };
      for await (const file of walk({ api: deps.api, tree, rootId: folderId, s, tally, signal, call: { signal }, describe: deps.describe, mirror })) {
        while (pending.size >= maxQueued) await untilChange(changed(), signal);
        const id = jobIdFor(folderId, file.path);
        const data = jobData(root, folderId, file, run);
        pending.set(id, { data, began: false, toSend: false });
        await add(id, data);
      }
      while (pending.size) await untilChange(changed(), signal);
      // Deletions last, as a local sync makes them: once every job settled, after a whole walk.
      if (mirror) await mirror.finish(signal);
    } finally {
      clearInterval(lookAgain);
    }
  } catch (error) {
    fatal = { error };
    stop.abort(error);
  } finally {
    linked.dispose();
    // Stopped early: take our queued jobs back (a job a worker holds finishes there, and a rerun skips it).
    await Promise.all([...pending.keys()].map((id) => queue.remove(id).catch(() => 0)));
    await events?.close().catch(() => undefined);
    await clearEvents(queue, conns, eventsKey);
    await queue.close().catch(() => undefined);
  }
  if (s.signal?.aborted) throw new UploadAbortedError(undefined, { cause: s.signal.reason });
  if (fatal) throw fatal.error;
  return tally.finish();
}

/** Waits for `change`, or ends at once with the signal's reason; a bounded wait, so the caller looks again now and then. */
async function untilChange(change: Promise<void>, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  const tick = linkedSignal([signal], 1000);
  try {
    await Promise.race([change, sleep(1000, tick.signal).catch(() => undefined)]);
  } finally {
    tick.dispose();
  }
  signal.throwIfAborted();
}

/** When no job of any run is left, the events stream (which names job ids and results) goes too. */
async function clearEvents(queue: { getJobCounts(...types: string[]): Promise<Record<string, number>> }, conns: Connections, eventsKey: string): Promise<void> {
  try {
    const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "paused", "waiting-children");
    if (Object.values(counts).every((n) => n === 0)) await conns.commands.del(eventsKey);
  } catch {
    /* best effort: the stream is capped anyway */
  }
}
