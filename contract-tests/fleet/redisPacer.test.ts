/**
 * The fleet's pacer against a real Redis: pacers on separate connections (as on separate hosts)
 * share one schedule per kind, a 429 seen by one holds the requests the others already have
 * waiting, the rate cut by a 429 is raised again by accepted requests, and the bandwidth cap is
 * the fleet's, not each member's.
 */
import { Redis } from "ioredis";
import { createRedisPacer, type RedisPacer } from "../../src/fleet/pacer";
import { fleetKeys } from "../../src/fleet/redis";
import { startRedis, type LocalRedis } from "../support/redis";

let redis: LocalRedis;
const opened: Redis[] = [];
const pacers: RedisPacer[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(pacers.splice(0).map((p) => p.close()));
  for (const c of opened.splice(0)) c.disconnect();
});
afterAll(() => redis.stop());

let prefixes = 0;
/** `n` pacers, each on connections of its own, as `n` hosts would be. */
function members(n: number, limits: Parameters<typeof createRedisPacer>[3], bandwidth?: number): { pacers: RedisPacer[]; keys: ReturnType<typeof fleetKeys> } {
  const keys = fleetKeys(`t${++prefixes}`);
  const made = Array.from({ length: n }, () => {
    const c = new Redis(redis.url);
    const sub = new Redis(redis.url);
    opened.push(c, sub);
    return createRedisPacer(c, sub, keys, limits, bandwidth);
  });
  pacers.push(...made);
  return { pacers: made, keys };
}

test("two members share one schedule: together they go at the fleet's rate, evenly spaced", async () => {
  const { pacers: [a, b] } = members(2, { callsPerMinute: 1200, uploadsPerMinute: "off" });
  const times: number[] = [];
  const started = Date.now();
  await Promise.all([a!, b!].flatMap((p) => Array.from({ length: 15 }, () => p.take("call").then(() => times.push(Date.now())))));
  times.sort((x, y) => x - y);
  // 1,200 a minute at 95%: one every 52.6 ms for the two together (each alone would go twice as fast).
  const ideal = (30 - 1) * (60_000 / 1140);
  expect(times.at(-1)! - started).toBeGreaterThanOrEqual(ideal - 20);
  expect(times.at(-1)! - started).toBeLessThan(ideal * 1.3 + 300);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  // Slots are 52-53 ms apart; a timer may fire a little late, so a gap may be short by as much.
  expect(gaps.filter((g) => g < 30).length).toBeLessThanOrEqual(2);
  // Uploads are not paced here (off): nothing waits.
  const free = Date.now();
  await Promise.all(Array.from({ length: 20 }, () => a!.take("upload")));
  expect(Date.now() - free).toBeLessThan(100);
});

test("a 429 seen by one member holds the requests another already has waiting, then the pace is slower", async () => {
  const { pacers: [a, b], keys } = members(2, { uploadsPerMinute: 1200 });
  await b!.take("upload");
  const times: number[] = [];
  // Eight requests already planned on b, over the next ~400 ms.
  const waiting = Array.from({ length: 8 }, () => b!.take("upload").then(() => times.push(Date.now())));
  await new Promise((r) => setTimeout(r, 60));
  const refusedAt = Date.now();
  a!.refused("upload", 500);
  await Promise.all(waiting);
  times.sort((x, y) => x - y);
  const during = times.filter((t) => t > refusedAt + 30 && t < refusedAt + 470);
  expect(during).toEqual([]);
  // Some went before the 429 (planned earlier), the rest after the pause.
  expect(times.filter((t) => t >= refusedAt + 470).length).toBeGreaterThan(0);
  // One cut of the rate (x0.7), kept in Redis for every member.
  const rate = Number(await redis.client.hget(keys.pace("upload"), "rate"));
  expect(rate).toBeCloseTo(1200 * 0.95 * 0.7, 0);
});

test("accepted requests raise a cut rate again, for the whole fleet", async () => {
  const { pacers: [a, b], keys } = members(2, { callsPerMinute: 6000 });
  a!.refused("call", 1);
  await new Promise((r) => setTimeout(r, 50));
  const cut = Number(await redis.client.hget(keys.pace("call"), "rate"));
  expect(cut).toBeCloseTo(6000 * 0.95 * 0.7, 0);
  // Forty accepted on a; the next take carries them to Redis: +1/200 of the limit each.
  for (let i = 0; i < 40; i++) a!.accepted("call");
  await a!.take("call");
  const raised = Number(await redis.client.hget(keys.pace("call"), "rate"));
  expect(raised).toBeCloseTo(Math.min(5700, cut + 40 * (5700 / 200)), 0);
  // And b paces at it, though b never saw those requests: thirty takes on b leave at the raised
  // rate's spacing (its slots are set by Redis, so a late timer here does not stretch the next).
  const times: number[] = [];
  await Promise.all(Array.from({ length: 30 }, () => b!.take("call").then(() => times.push(Date.now()))));
  times.sort((x, y) => x - y);
  const spacing = (times.at(-1)! - times[0]!) / (times.length - 1);
  const atRaised = 60_000 / raised;
  const atCut = 60_000 / cut;
  expect(spacing).toBeGreaterThan(atRaised * 0.85);
  expect(spacing).toBeLessThan((atRaised + atCut) / 2);
  expect(Number(await redis.client.hget(keys.pace("call"), "rate"))).toBeCloseTo(raised, 0);
});

test("the bandwidth cap is the fleet's: two members sending at once share it", async () => {
  const cap = 1024 * 1024;
  const { pacers: [a, b] } = members(2, "off", cap);
  expect(a!.sliceBytes).toBe(64 * 1024);
  const started = Date.now();
  const send = async (p: RedisPacer) => {
    for (let sent = 0; sent < 768 * 1024; sent += 64 * 1024) await p.transmit(64 * 1024);
  };
  await Promise.all([send(a!), send(b!)]);
  // 1.5 MiB at 1 MiB/s: 1.5 s, less the first slice that goes at once.
  expect(Date.now() - started).toBeGreaterThanOrEqual(1500 - 62 - 30);
  expect(Date.now() - started).toBeLessThan(2500);
});
