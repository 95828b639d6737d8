/**
 * What an operator sees of a fleet from outside: the queue's jobs by state, the workers seen in
 * the last minute (each writes a heartbeat that expires a minute after its last beat), the rate
 * the fleet's pacer has let requests go at against its ceiling, and the last 429. Read from Redis
 * alone, so `box-upload status` works from any host while workers run or none does. Also the
 * queue's jobs as a Prometheus gauge on a worker's or a producer's registry.
 */
import { hostname } from "node:os";
import type { JobType, Queue } from "bullmq";
import type { Registry } from "prom-client";
import { untilAborted, within } from "../core/sleep";
import { loadBullmq, QUEUE_NAME, type Connections, type FleetKeys } from "./redis";

/** The queue's states an operator watches (BullMQ's names). */
export const JOB_STATES = ["waiting", "active", "delayed", "failed"] as const;
export type JobState = (typeof JOB_STATES)[number];

/** A worker beats this often; its heartbeat lives four beats. */
const BEAT_MS = 15_000;
const BEAT_TTL_MS = 60_000;
/** A file taken or settled is told this soon. */
const CHANGE_MS = 1_000;
/** Reading the queue for a scrape gets this long: a Redis that does not answer must not hold Prometheus. */
const SCRAPE_WAIT_MS = 2_000;

export interface WorkerBeat {
  /** The worker's id (host:pid:random), its host, and when it started (ms since the epoch). */
  id: string;
  host: string;
  startedAt: number;
  /** Files it holds now, and files it settled since it started (failed ones among them counted apart). */
  inFlight: number;
  done: number;
  failed: number;
  /** When it last beat (ms since the epoch, its own clock). */
  at: number;
}

export interface KindStatus {
  /**
   * Requests the fleet sent in about the last 60 s (its pacer's count: this minute's so far and
   * the share of the last minute still inside the 60 s), and the two counts it is made of (minutes
   * of Redis's clock).
   */
  lastMinute: number;
  thisMinute: number;
  previousMinute: number;
  /** What the fleet paces at most a minute (95% of the limit); undefined when not paced (or nothing sent in the last hour). */
  ceiling: number | undefined;
  /** The pace now: lower than the ceiling after 429s, rising back as requests go through. */
  rate: number | undefined;
  /** The last 429 the fleet met for this kind (ms since the epoch, Redis's clock), and the pause it asked for; undefined in the last hour without one. */
  lastRefusedAt: number | undefined;
  lastPauseMs: number | undefined;
}

export interface FleetStatus {
  queue: string;
  jobs: Record<JobState, number>;
  workers: WorkerBeat[];
  pacing: { upload: KindStatus; call: KindStatus };
  /** Redis's clock when this was read (ms since the epoch): the times above are on it. */
  now: number;
}

/** A worker's heartbeat: written at once, every 15 s after, and removed when it stops. */
export class Heartbeat {
  private readonly beat: WorkerBeat;
  private readonly timer: ReturnType<typeof setInterval>;
  private pending: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly conns: Connections,
    private readonly keys: FleetKeys,
    id: string,
  ) {
    this.beat = { id, host: hostname(), startedAt: Date.now(), inFlight: 0, done: 0, failed: 0, at: Date.now() };
    this.timer = setInterval(() => this.send(), BEAT_MS);
    this.timer.unref?.();
    this.send();
  }

  took(): void {
    this.beat.inFlight++;
    this.soon();
  }

  /** A file left this worker: settled (`failed` or not), or handed back (`settled` false). */
  left(settled: boolean, failed: boolean): void {
    this.beat.inFlight--;
    if (settled) this.beat.done++;
    if (settled && failed) this.beat.failed++;
    this.soon();
  }

  /** A change is told within a second (one write however many files changed meanwhile). */
  private soon(): void {
    if (this.pending || this.stopped) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.send();
    }, CHANGE_MS);
    this.pending.unref?.();
  }

  private send(): void {
    if (this.stopped || !this.conns.health.isUp) return;
    this.beat.at = Date.now();
    void this.conns.commands.set(this.keys.worker(this.beat.id), JSON.stringify(this.beat), "PX", BEAT_TTL_MS).catch(() => undefined);
  }

  /** Stops beating and says so (bounded: a Redis that does not answer lets the key expire). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.pending);
    if (!this.conns.health.isUp) return;
    await within(this.conns.commands.del(this.keys.worker(this.beat.id)), 1000);
  }
}

/** The queue's jobs by state. */
export async function jobCounts(queue: Queue): Promise<Record<JobState, number>> {
  const counts = await queue.getJobCounts(...(JOB_STATES as unknown as JobType[]));
  return Object.fromEntries(JOB_STATES.map((s) => [s, counts[s] ?? 0])) as Record<JobState, number>;
}

/** A Queue object on the fleet's connection, for reading counts (it adds no job). */
export function readQueue(conns: Connections, keys: FleetKeys): Queue {
  const { Queue } = loadBullmq();
  const queue = new Queue(QUEUE_NAME, { connection: conns.bull, prefix: keys.prefix });
  queue.on("error", () => undefined);
  return queue;
}

function num(v: string | null | undefined): number | undefined {
  const n = Number(v);
  return v === null || v === undefined || !Number.isFinite(n) ? undefined : n;
}

/** Everything `box-upload status` shows, read from Redis. */
export async function readStatus(conns: Connections, keys: FleetKeys, shown: string): Promise<FleetStatus> {
  const redis = conns.commands;
  const queue = readQueue(conns, keys);
  try {
    const [jobs, time] = await Promise.all([jobCounts(queue), redis.time()]);
    const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    const minute = Math.floor(now / 60_000);
    // The last 60 s, estimated from two minute counters: this minute's so far and the share of the last still inside the window.
    const kind = async (k: "upload" | "call"): Promise<KindStatus> => {
      const [fields, counts] = await Promise.all([
        redis.hmget(keys.pace(k), "rate", "ceiling", "refusedAt", "refusedPause"),
        redis.mget(`${keys.paceCount(k)}${minute}`, `${keys.paceCount(k)}${minute - 1}`),
      ]);
      const share = 1 - (now % 60_000) / 60_000;
      const [thisMinute, previousMinute] = [num(counts[0]) ?? 0, num(counts[1]) ?? 0];
      return {
        lastMinute: Math.round(thisMinute + previousMinute * share),
        thisMinute,
        previousMinute,
        ceiling: num(fields[1]),
        rate: num(fields[0]),
        lastRefusedAt: num(fields[2]),
        lastPauseMs: num(fields[3]),
      };
    };
    const [upload, call] = await Promise.all([kind("upload"), kind("call")]);
    return { queue: shown, jobs, workers: await workers(conns, keys), pacing: { upload, call }, now };
  } finally {
    void queue.close().catch(() => undefined);
  }
}

async function workers(conns: Connections, keys: FleetKeys): Promise<WorkerBeat[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await conns.commands.scan(cursor, "MATCH", keys.workers, "COUNT", 500);
    cursor = next;
    found.push(...batch);
  } while (cursor !== "0");
  if (!found.length) return [];
  const values = await conns.commands.mget(...found);
  const beats: WorkerBeat[] = [];
  for (const v of values) {
    try {
      const b = JSON.parse(v ?? "") as WorkerBeat;
      if (typeof b.id === "string" && typeof b.host === "string") beats.push(b);
    } catch {
      /* a key gone between the scan and the read, or not ours */
    }
  }
  return beats.sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * `box_upload_queue_jobs{state}` and `box_upload_redis_up` on `registry`, read at each scrape
 * (bounded: when Redis does not answer, the scrape goes on with redis_up 0 and the last counts).
 */
export function queueMetrics(registry: Registry, conns: Connections, keys: FleetKeys): () => Promise<void> {
  // One fleet per registry: a second one's queue would be the same numbers.
  if (registry.getSingleMetric("box_upload_queue_jobs")) return async () => undefined;
  const { Gauge } = require("prom-client") as typeof import("prom-client");
  let queue: Queue | undefined;
  const registers = [registry];
  new Gauge({
    name: "box_upload_redis_up",
    help: "1 when the fleet's Redis answers, 0 when it does not.",
    registers,
    collect() {
      this.set(conns.health.isUp ? 1 : 0);
    },
  });
  new Gauge({
    name: "box_upload_queue_jobs",
    help: "The fleet's jobs in the queue by state (waiting, active, delayed, failed).",
    labelNames: ["state"] as const,
    registers,
    async collect() {
      if (!conns.health.isUp) return;
      queue ??= readQueue(conns, keys);
      const counts = await untilAborted(jobCounts(queue), AbortSignal.timeout(SCRAPE_WAIT_MS)).catch(() => undefined);
      for (const state of JOB_STATES) if (counts) this.set({ state }, counts[state]);
    },
  });
  return async () => {
    registry.removeSingleMetric("box_upload_queue_jobs");
    registry.removeSingleMetric("box_upload_redis_up");
    await queue?.close().catch(() => undefined);
  };
}
