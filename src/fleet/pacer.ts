/**
 * One pacer for a whole fleet, kept in Redis: every worker and the producer, on any host, take
 * their turns from the same schedule, so together they stay under one Box user's limits. Same
 * rules as the in-process pacer (src/api/pacer.ts): per kind of request one evenly spaced
 * schedule at 95% of the limit, a 429 holds that kind for its Retry-After and cuts the rate
 * (once per pause), accepted requests raise it again; and a byte schedule for the bandwidth cap.
 *
 * Each step is one small Lua script, so it is atomic across hosts, and all times are Redis's own
 * clock (TIME), so hosts whose clocks differ still share one schedule; a script answers how long
 * to wait, never an absolute time. A take is one round trip; "accepted" costs none (counted here
 * and carried by the next take); a 429 is one script, which also publishes the pause, so requests
 * already waiting for a slot on other hosts plan again instead of going out into the pause.
 */
import type { Redis } from "ioredis";
import { sleep } from "../core/sleep";
import { PACING, resolveLimits, type Pacer, type RateLimits, type RequestKind } from "../api/pacer";
import { RedisHealth } from "./health";
import { withScripts, type FleetKeys } from "./redis";

/** Idle keys go away by themselves: a fleet that stopped leaves no pacing state behind for long. */
const KEY_TTL_MS = 3_600_000;
/** A minute's count of requests lives three minutes: `status` reads this one and the last. */
const COUNT_TTL_MS = 180_000;

const NOW = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)";

/**
 * KEYS[1] the kind's hash, KEYS[2] its counters' prefix. ARGV: ceiling (a minute), requests
 * accepted since this client's last take, increase per accepted request. Returns {wait ms,
 * generation}. Each take is counted in its minute's counter (for `status`: the fleet's rate).
 */
const TAKE = `${NOW}
local ceiling = tonumber(ARGV[1])
local f = redis.call('HMGET', KEYS[1], 'next', 'rate', 'paused', 'gen')
local rate = math.min(ceiling, (tonumber(f[2]) or ceiling) + ceiling * tonumber(ARGV[3]) * tonumber(ARGV[2]))
local at = math.max(now, tonumber(f[1]) or 0, tonumber(f[3]) or 0)
redis.call('HSET', KEYS[1], 'next', math.ceil(at + 60000 / rate), 'rate', rate, 'ceiling', ceiling)
redis.call('PEXPIRE', KEYS[1], ${KEY_TTL_MS})
local minute = KEYS[2] .. math.floor(at / 60000)
redis.call('INCR', minute)
redis.call('PEXPIRE', minute, ${COUNT_TTL_MS})
return {at - now, tonumber(f[4]) or 0}`;

/** KEYS[1] the kind's hash, KEYS[2] the channel. ARGV: ceiling, pause ms, decrease, floor share, kind. Returns the new generation. */
const REFUSED = `${NOW}
local ceiling = tonumber(ARGV[1])
local f = redis.call('HMGET', KEYS[1], 'rate', 'paused', 'gen', 'cut')
local rate = tonumber(f[1]) or ceiling
local paused = math.max(tonumber(f[2]) or 0, now + tonumber(ARGV[2]))
local gen = (tonumber(f[3]) or 0) + 1
local cut = tonumber(f[4]) or 0
if now >= cut then
  rate = math.max(ceiling * tonumber(ARGV[4]), rate * tonumber(ARGV[3]))
  cut = paused
end
redis.call('HSET', KEYS[1], 'next', paused, 'rate', rate, 'paused', paused, 'gen', gen, 'cut', cut, 'refusedAt', now, 'refusedPause', tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ${KEY_TTL_MS})
redis.call('PUBLISH', KEYS[2], ARGV[5] .. ':' .. gen)
return gen`;

/** KEYS[1] the byte schedule. ARGV: bytes a second, bytes. Returns the wait in ms. */
const TRANSMIT = `${NOW}
local at = math.max(now, tonumber(redis.call('GET', KEYS[1])) or 0)
redis.call('SET', KEYS[1], math.ceil(at + 1000 * tonumber(ARGV[2]) / tonumber(ARGV[1])), 'PX', ${KEY_TTL_MS})
return at - now`;

interface Scripts {
  paceTake(key: string, counts: string, ceiling: number, accepted: number, increase: number): Promise<[number, number]>;
  paceRefused(key: string, channel: string, ceiling: number, pauseMs: number, decrease: number, floor: number, kind: string): Promise<number>;
  paceTransmit(key: string, perSecond: number, bytes: number): Promise<number>;
}

const SCRIPTS = {
  paceTake: { numberOfKeys: 2, lua: TAKE },
  paceRefused: { numberOfKeys: 2, lua: REFUSED },
  paceTransmit: { numberOfKeys: 1, lua: TRANSMIT },
};

/** One kind's share of the fleet's schedule, as this process sees it. */
class SharedGate {
  private accepted = 0;
  /** The newest pause generation heard of (from Redis, our own 429s, or the channel). */
  generation = 0;

  constructor(
    private readonly redis: Redis & Scripts,
    private readonly health: RedisHealth,
    private readonly keys: FleetKeys,
    private readonly kind: RequestKind,
    private readonly ceiling: number,
  ) {}

  async take(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const accepted = this.accepted;
      this.accepted = 0;
      const [wait, generation] = await this.health.riding(signal, "the pacer", () => this.redis.paceTake(this.keys.pace(this.kind), this.keys.paceCount(this.kind), this.ceiling, accepted, PACING.INCREASE));
      this.generation = Math.max(this.generation, generation);
      if (wait <= 0) return;
      await sleep(wait, signal);
      // A 429 anywhere meanwhile: this slot was planned before it; take one in the new plan.
      if (this.generation === generation) return;
    }
  }

  refused(retryAfterMs: number | undefined): void {
    // Our own waiters re-plan at once; the others when the channel tells them.
    this.generation++;
    const pause = retryAfterMs ?? PACING.DEFAULT_PAUSE_MS;
    void this.redis
      .paceRefused(this.keys.pace(this.kind), this.keys.refusedChannel, this.ceiling, pause, PACING.DECREASE, PACING.FLOOR, this.kind)
      .then((g) => (this.generation = Math.max(this.generation, g)))
      .catch(() => undefined);
  }

  noteAccepted(): void {
    this.accepted++;
  }
}

export interface RedisPacer extends Pacer {
  /** Stops listening for the fleet's 429s. */
  close(): Promise<void>;
}

/**
 * A bandwidth slice is a twentieth of a second of the cap, as in-process, but at least 64 KiB
 * (each slice is a round trip to Redis) and at most 1 MiB.
 */
const sliceFor = (perSecond: number) => Math.min(1024 * 1024, Math.max(64 * 1024, Math.floor(perSecond / 20)));

/**
 * The fleet's pacer on `redis`, listening on `subscriber` (a connection of its own) for 429s seen
 * elsewhere. Every member of a fleet should be given the same limits: they are the fleet's, not
 * each host's.
 */
export function createRedisPacer(
  redis: Redis,
  subscriber: Redis,
  keys: FleetKeys,
  limits: RateLimits | "off" | undefined,
  bandwidthLimit: number | undefined,
  health: RedisHealth = new RedisHealth(redis, "redis"),
): RedisPacer {
  const l = resolveLimits(limits, bandwidthLimit);
  const scripted = withScripts<Scripts>(redis, SCRIPTS);
  const gate = (kind: RequestKind, perMinute: number | undefined) => (perMinute ? new SharedGate(scripted, health, keys, kind, perMinute * PACING.MARGIN) : undefined);
  const gates: Record<RequestKind, SharedGate | undefined> = { upload: gate("upload", l.upload), call: gate("call", l.call) };
  const onMessage = (channel: string, message: string) => {
    if (channel !== keys.refusedChannel) return;
    const [kind, generation] = message.split(":");
    const g = gates[kind as RequestKind];
    if (g && Number(generation) > g.generation) g.generation = Number(generation);
  };
  if (gates.upload || gates.call) {
    subscriber.on("message", onMessage);
    void subscriber.subscribe(keys.refusedChannel).catch(() => undefined);
  }
  const perSecond = l.bandwidth;
  return {
    take: async (kind, signal) => gates[kind]?.take(signal),
    refused: (kind, retryAfterMs) => gates[kind]?.refused(retryAfterMs),
    accepted: (kind) => gates[kind]?.noteAccepted(),
    transmit: async (bytes, signal) => {
      if (!perSecond) return;
      const wait = await health.riding(signal, "the pacer", () => scripted.paceTransmit(keys.bytes, perSecond, bytes));
      if (wait > 0) await sleep(wait, signal);
    },
    sliceBytes: perSecond ? sliceFor(perSecond) : undefined,
    bytesPerSecond: perSecond,
    close: async () => {
      subscriber.off("message", onMessage);
      await subscriber.unsubscribe(keys.refusedChannel).catch(() => undefined);
    },
  };
}
