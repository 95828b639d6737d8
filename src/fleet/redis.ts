/**
 * Redis for a fleet: the queue URL checked and shown without its password, the connections, and
 * every key name in one place. BullMQ and ioredis are loaded on first use only (together about
 * 0.5 s), so a process that never names a queue never loads them.
 *
 * Keys, all under one prefix (default `box-upload`):
 *   <prefix>:sync:*               BullMQ's queue (jobs, lists, events stream)
 *   <prefix>:pace:upload|call     a hash per kind of request: next slot, rate, ceiling, pause, generation, last 429
 *   <prefix>:pace:upload|call:n:<minute>  requests of the kind taken in that minute (Redis's clock), for `status`
 *   <prefix>:pace:bytes           the next moment the bandwidth cap lets bytes go
 *   <prefix>:pace:refused         pub/sub channel: a 429 was seen (every pacer re-plans)
 *   <prefix>:state:<name>         resume state of one chunked file (name as the local state's)
 *   <prefix>:state:<name>:lock    its owner while a worker drives it, expiring unless renewed
 *   <prefix>:workers:<worker id>  a worker's heartbeat (host, files in flight, done, failed), expiring a minute after the last
 */
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type * as BullMQ from "bullmq";
import type { Redis, RedisOptions } from "ioredis";
import { BoxInputError } from "../core/errors";
import { within } from "../core/sleep";
import { reconnectDelay, RedisHealth } from "./health";

/** BullMQ's queue name under the prefix. */
export const QUEUE_NAME = "sync";
export const DEFAULT_PREFIX = "box-upload";
/** Our own commands (pacer, state) fail after this long instead of waiting for Redis forever. */
const COMMAND_TIMEOUT_MS = 10_000;

export function loadBullmq(): typeof BullMQ {
  // require(), not import: loaded only by a process that uses a queue.
  return require("bullmq") as typeof BullMQ;
}

function loadRedis(): typeof Redis {
  return (require("ioredis") as typeof import("ioredis")).Redis;
}

/**
 * `redis` with each Lua script defined as a command of its own (ioredis sends it by SHA once
 * loaded); defined once per connection, however many pacers and state stores share it.
 */
export function withScripts<T extends object>(redis: Redis, scripts: Record<string, { numberOfKeys: number; lua: string }>): Redis & T {
  const commands = redis as unknown as Record<string, unknown>;
  for (const [name, script] of Object.entries(scripts)) {
    if (typeof commands[name] !== "function") redis.defineCommand(name, script);
  }
  return redis as Redis & T;
}

export interface FleetKeys {
  prefix: string;
  pace(kind: "upload" | "call"): string;
  /** The prefix of a kind's per-minute counters (the minute's number follows). */
  paceCount(kind: "upload" | "call"): string;
  /** A worker's heartbeat, and the pattern that finds them all. */
  worker(id: string): string;
  workers: string;
  bytes: string;
  refusedChannel: string;
  state(name: string): string;
  lock(name: string): string;
}

export function fleetKeys(prefix: string): FleetKeys {
  return {
    prefix,
    pace: (kind) => `${prefix}:pace:${kind}`,
    paceCount: (kind) => `${prefix}:pace:${kind}:n:`,
    worker: (id) => `${prefix}:workers:${id}`,
    workers: `${prefix}:workers:*`,
    bytes: `${prefix}:pace:bytes`,
    refusedChannel: `${prefix}:pace:refused`,
    state: (name) => `${prefix}:state:${name}`,
    lock: (name) => `${prefix}:state:${name}:lock`,
  };
}

/** A queue URL checked before anything connects: redis:// or rediss:// (TLS), host, port, database. */
export function checkQueueUrl(argument: string, value: unknown): { url: string; shown: string } {
  if (typeof value !== "string" || value.length === 0) throw new BoxInputError(argument, "must be a redis:// or rediss:// URL");
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new BoxInputError(argument, "must be a redis:// or rediss:// URL, like redis://127.0.0.1:6379/0");
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new BoxInputError(argument, `must be a redis:// or rediss:// URL, not ${u.protocol}//`);
  if (!u.hostname) throw new BoxInputError(argument, "names no host");
  const db = u.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db)) throw new BoxInputError(argument, "the path must be a database number, like /0");
  // Never the password: the shown form is for messages and logs.
  return { url: value, shown: `${u.protocol}//${u.host}/${db || "0"}` };
}

export function checkPrefix(value: unknown): string {
  if (value === undefined) return DEFAULT_PREFIX;
  if (typeof value !== "string" || !/^[\w.-]{1,64}$/.test(value)) throw new BoxInputError("prefix", "must be 1-64 letters, digits, '.', '_' or '-'");
  return value;
}

/** The connections of one process: BullMQ's (it waits for Redis as long as it takes), ours (bounded), and a subscriber. */
export interface Connections {
  /** For BullMQ's Queue and Worker (BullMQ requires retries without end on these). */
  bull: Redis;
  /** For our own short commands: pacer and resume state. */
  commands: Redis;
  /** Pub/sub: the pacer hears 429s seen anywhere in the fleet. */
  subscriber: Redis;
  /** Whether Redis answers, as `commands` sees it. */
  health: RedisHealth;
  /** A dedicated connection for a blocking reader (QueueEvents), closed by `close` like the rest. */
  blocking(): Redis;
  /** Closes every connection: politely when Redis answers, at once when it does not (bounded either way). */
  close(): Promise<void>;
}

/** A polite QUIT gets this long before the connection is simply dropped. */
const QUIT_WAIT_MS = 2_000;

export function connect(url: string, shown: string): Connections {
  const RedisClass = loadRedis();
  const base: RedisOptions = {
    connectionName: "box-upload",
    lazyConnect: false,
    // Our backoff (0.5 s doubling to 30 s), not ioredis's 50 ms steps: an unreachable Redis is
    // tried a few times a minute, not forty times a second.
    retryStrategy: (times: number) => reconnectDelay(times),
  };
  const all: Redis[] = [];
  const make = (options: RedisOptions) => {
    const c = new RedisClass(url, { ...base, ...options });
    // Every connection's errors are heard: unheard, ioredis prints a stack trace per attempt. What
    // an outage means is said once, by the health watcher below.
    c.on("error", () => undefined);
    all.push(c);
    return c;
  };
  const bull = make({ maxRetriesPerRequest: null });
  const commands = make({ maxRetriesPerRequest: 3, commandTimeout: COMMAND_TIMEOUT_MS });
  const subscriber = make({ maxRetriesPerRequest: null });
  return {
    bull,
    commands,
    subscriber,
    health: new RedisHealth(commands, shown),
    blocking: () => {
      // Each producer pass of a watcher makes one, and BullMQ ends it when its QueueEvents closes:
      // an ended one is let go, so a watcher running for months does not keep one per pass.
      const c = make({ maxRetriesPerRequest: null });
      c.once("end", () => {
        const at = all.indexOf(c);
        if (at >= 0) all.splice(at, 1);
      });
      return c;
    },
    close: async () => {
      await Promise.all(
        all.map(async (c) => {
          if (c.status !== "ready") return c.disconnect();
          if (!(await within(c.quit(), QUIT_WAIT_MS))) c.disconnect();
        }),
      );
    },
  };
}

/** Names a worker in lock values and messages: host, pid and a random part (never a secret). */
export function workerId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}
