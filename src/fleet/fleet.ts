/**
 * A sync bigger than one machine: a producer walks the tree and queues one job per file in Redis
 * (BullMQ), workers on any number of hosts take them, and all of them share one pacer kept in
 * Redis, so together they stay under one Box user's limits. `createFleet` connects; give its
 * `pacer` to the BoxUploadClient of each process, then `sync` (the producer) or `work` (a worker).
 * Nothing here is loaded (nor BullMQ, nor ioredis) until a fleet is created.
 */
import { resolveLimits, type Pacer, type RateLimits } from "../api/pacer";
import type { BoxUploadClient } from "../client/uploadClient";
import { BoxInputError } from "../core/errors";
import { untilAborted, within } from "../core/sleep";
import { checkIntInRange, checkItemId, checkOptionsObject } from "../core/validate";
import type { SyncOptions, SyncSummary } from "../sync/options";
import type { RedisStatus } from "./health";
import { resolve } from "node:path";
import { nodeFsWatching } from "../platform/node/fsWatch";
import { watchFolder, type WatchHandle, type WatchOptions } from "../watch/watchFolder";
import { DEFAULT_MAX_QUEUED, DEFAULT_REDIS_WAIT_MS, queueSender, runProducer } from "./producer";
import { createRedisPacer, type RedisPacer } from "./pacer";
import { checkPrefix, checkQueueUrl, connect, fleetKeys, workerId } from "./redis";
import { runWorker, type FleetWorkOptions } from "./worker";
import { queueMetrics, readStatus, type FleetStatus } from "./status";
import type { Registry } from "prom-client";
import { isRegistry } from "../platform/node/promMeter";

export { DEFAULT_MAX_QUEUED, DEFAULT_REDIS_WAIT_MS } from "./producer";
export type { RedisStatus } from "./health";
export type { FleetWorkOptions } from "./worker";
export type { FleetStatus, KindStatus, WorkerBeat, JobState } from "./status";

export type FleetWatchOptions = Omit<WatchOptions, "transfers" | "concurrency"> & { maxQueued?: number; redisWaitMs?: number };

export type FleetSyncOptions = Omit<SyncOptions, "dryRun" | "transfers" | "concurrency"> & {
  /** This run's jobs in the queue at once, 1..100,000. Default {@link DEFAULT_MAX_QUEUED}. */
  maxQueued?: number;
  /**
   * How long the producer waits for Redis, at the start or in an outage, before it gives up with a
   * BoxNetworkError `EREDIS` (1,000..3,600,000 ms; default {@link DEFAULT_REDIS_WAIT_MS}). A worker
   * waits as long as it runs.
   */
  redisWaitMs?: number;
};

/**
 * What only a local run has: with a queue, the workers have their own (their resume state is in
 * Redis). The producer's `stateDir` holds its index: the walk, and so the quick check, happens there.
 */
const LOCAL_ONLY = ["dryRun", "transfers", "concurrency"] as const;

function checkClient(client: unknown): asserts client is BoxUploadClient {
  if (typeof (client as BoxUploadClient | null)?.syncRun !== "function") throw new BoxInputError("client", "must be a BoxUploadClient");
}

/**
 * The queue's own options checked (maxQueued, redisWaitMs), after refusing `localOnly`: what a
 * sync or a watcher feeding workers must leave to each worker (or, a dry run, to one process).
 */
function queueLimits(given: { maxQueued?: number; redisWaitMs?: number } & Partial<Record<(typeof LOCAL_ONLY)[number], unknown>>, localOnly: readonly (typeof LOCAL_ONLY)[number][]): { maxQueued: number; redisWaitMs: number } {
  for (const name of localOnly) {
    if (given[name] !== undefined) throw new BoxInputError(`options.${name}`, name === "dryRun" ? "a dry run is made in one process: leave out the queue" : "is each worker's own: give it to the workers");
  }
  const { maxQueued, redisWaitMs } = given;
  return {
    maxQueued: maxQueued === undefined ? DEFAULT_MAX_QUEUED : checkIntInRange("options.maxQueued", maxQueued, 1, 100_000),
    redisWaitMs: redisWaitMs === undefined ? DEFAULT_REDIS_WAIT_MS : checkIntInRange("options.redisWaitMs", redisWaitMs, 1_000, 3_600_000),
  };
}

/** The producer's options checked: the queue's own, and the sync run's. */
function producerOptions(raw: unknown): { limits: { maxQueued: number; redisWaitMs: number }; run: SyncOptions } {
  const given = checkOptionsObject<FleetSyncOptions & SyncOptions>("options", raw);
  const limits = queueLimits(given, LOCAL_ONLY);
  const { maxQueued: _q, redisWaitMs: _w, ...run } = given;
  return { limits, run };
}

/** How long a dead worker's files wait before another worker takes them over, by default. BullMQ's own default lock. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

export interface FleetOptions {
  /** The queue: `redis://[user:password@]host:port/db`, or `rediss://` for TLS. */
  redis: string;
  /** Box's limits for the whole fleet (default: Box's, 240 uploads and 1,000 calls a minute). Give every member the same. */
  rateLimits?: RateLimits | "off";
  /** Bytes a second for the whole fleet together (default: no cap). */
  bandwidthLimit?: number;
  /**
   * How long a worker's claim on a file lives without renewal, in ms (1,000..600,000; default
   * {@link DEFAULT_STALL_TIMEOUT_MS}): a worker killed with -9 holds its files this long. Give every
   * worker the same.
   */
  stallTimeoutMs?: number;
  /** Key prefix in Redis (default `box-upload`): fleets sharing one database keep apart by it. */
  prefix?: string;
  /**
   * A prom-client registry for the queue's gauges (`box_upload_queue_jobs{state}`, read at each
   * scrape, and `box_upload_redis_up`); give the client the same one for its own metrics.
   */
  metrics?: Registry;
}

export interface Fleet {
  /** The queue's URL without its password, for messages. */
  readonly queue: string;
  /** The fleet's shared pacer: give it to the client (`new BoxUploadClient({ ..., pacer })`). */
  readonly pacer: Pacer;
  /**
   * The producer: walks `localDir`, makes the Box folders, queues a job per file, and resolves
   * with the summary once workers have settled every one (as `syncFolder` does). Workers must see
   * `localDir` at the same absolute path.
   */
  sync(client: BoxUploadClient, localDir: string, folderId: string, options?: FleetSyncOptions): Promise<SyncSummary>;
  /**
   * A watcher that feeds the fleet (as `client.watchFolder`, but each settled file becomes a job
   * for the workers): its moves and deletions are its own, as a producer's are. Workers must see
   * `localDir` at the same absolute path. Redis out of reach is waited out, as by a worker.
   */
  watch(client: BoxUploadClient, localDir: string, folderId: string, options?: FleetWatchOptions): Promise<WatchHandle>;
  /** A worker: takes jobs until `options.signal` aborts, then hands back what it holds and resolves. */
  work(client: BoxUploadClient, options?: FleetWorkOptions): Promise<void>;
  /**
   * Tells `listener` when Redis stops answering (once per attempt to reach it) and when it answers
   * again; returns a function that stops telling. For a line when an outage starts and ends.
   */
  onRedis(listener: (status: RedisStatus) => void): () => void;
  /** The queue's jobs, the workers seen in the last minute, the fleet's pace against its ceiling and the last 429 (what `box-upload status` shows). */
  status(options?: { waitMs?: number }): Promise<FleetStatus>;
  /** Closes the connections (after `sync` or `work` has ended); bounded when Redis does not answer. */
  close(): Promise<void>;
}

function checkRegistry(value: unknown): Registry {
  if (!isRegistry(value)) throw new BoxInputError("options.metrics", "must be a prom-client Registry");
  return value;
}

export function createFleet(options: FleetOptions): Fleet {
  const given = checkOptionsObject<FleetOptions>("options", options) as FleetOptions;
  const { url, shown } = checkQueueUrl("options.redis", given.redis);
  const keys = fleetKeys(checkPrefix(given.prefix));
  const lockMs = given.stallTimeoutMs === undefined ? DEFAULT_STALL_TIMEOUT_MS : checkIntInRange("options.stallTimeoutMs", given.stallTimeoutMs, 1_000, 600_000);
  // Checked before anything connects (the pacer below reads them again).
  resolveLimits(given.rateLimits, given.bandwidthLimit);
  const registry = given.metrics === undefined ? undefined : checkRegistry(given.metrics);
  const conns = connect(url, shown);
  const p: RedisPacer = createRedisPacer(conns.commands, conns.subscriber, keys, given.rateLimits, given.bandwidthLimit, conns.health);
  const unmeter = registry ? queueMetrics(registry, conns, keys) : async () => undefined;
  return {
    queue: shown,
    pacer: p,
    // Async, so a bad argument rejects as every other failure does.
    sync: async (client, localDir, folderId, syncOptions) => {
      checkClient(client);
      const { limits, run } = producerOptions(syncOptions ?? {});
      const id = checkItemId("folderId", folderId);
      return runProducer(conns, keys, client.syncRun(run), localDir, id, limits);
    },
    watch: async (client, localDir, folderId, watchOptions) => {
      checkClient(client);
      const given = checkOptionsObject<FleetWatchOptions>("options", watchOptions ?? {}) as FleetWatchOptions;
      const limits = queueLimits(given, ["transfers", "concurrency"]);
      const { maxQueued: _q, redisWaitMs: _w, ...rest } = given;
      const root = resolve(localDir);
      return watchFolder(client, nodeFsWatching, root, checkItemId("folderId", folderId), rest, (run, _root, onOutcome) => queueSender(conns, keys, run, root, folderId, limits, onOutcome));
    },
    work: async (client, workOptions) => {
      checkClient(client);
      const given = checkOptionsObject<FleetWorkOptions>("options", workOptions ?? {}) as FleetWorkOptions;
      // The worker's own settings, decided once: its files in flight, its budget, its retries.
      const run = client.syncRun({ transfers: given.transfers, concurrency: given.concurrency, retry: given.retry, signal: given.signal });
      return runWorker({ conns, keys, lockMs, owner: workerId() }, client.api, run, given);
    },
    onRedis: (listener) => conns.health.onChange(listener),
    status: async (statusOptions) => {
      // Asked by a person or a script: Redis out of reach is an answer (EREDIS) within waitMs, not a wait without end.
      const waitMs = statusOptions?.waitMs === undefined ? 5_000 : checkIntInRange("options.waitMs", statusOptions.waitMs, 1_000, 3_600_000);
      await conns.health.waitUp(undefined, waitMs);
      const started = Date.now();
      return untilAborted(readStatus(conns, keys, shown), AbortSignal.timeout(waitMs)).catch((err: unknown) => {
        throw (err as Error)?.name === "TimeoutError" ? conns.health.unreachable(Date.now() - started) : err;
      });
    },
    close: async () => {
      await within(unmeter(), 1000);
      await within(p.close(), 1000);
      await conns.close();
    },
  };
}
