/**
 * Resume state kept in Redis: saved and read back with its lifetime, one owner at a time (a live
 * owner keeps its lock, a dead one's expires and is taken over), and a worker that lost its lock
 * can neither save nor remove any more, so it can never commit behind the new owner's back.
 */
import { Redis } from "ioredis";
import { BoxInputError } from "../../src";
import type { ResumeState } from "../../src/upload/resume";
import { fleetKeys } from "../../src/fleet/redis";
import { RedisStateStore, StateLockLostError } from "../../src/fleet/stateStore";
import { rejectionOf } from "../support/checks/rejection";
import { startRedis, type LocalRedis } from "../support/redis";

let redis: LocalRedis;
const opened: Redis[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterEach(() => {
  for (const c of opened.splice(0)) c.disconnect();
});
afterAll(() => redis.stop());

const keys = fleetKeys("state-test");
const connection = () => {
  const c = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  c.on("error", () => undefined);
  opened.push(c);
  return c;
};
const state = (sessionId: string): ResumeState => ({
  version: 1,
  sessionId,
  target: { kind: "new", folderId: "1", fileName: "a.bin" },
  partSize: 8,
  totalParts: 2,
  source: { size: 16 },
  parts: [],
  updatedAt: "",
});

test("a state saved under a claimed lock reads back whole, lives at most a week, and is removed by its owner", async () => {
  const store = new RedisStateStore(connection(), keys, "n1", { owner: "host-a:1:x", lockMs: 5000 });
  expect(store.path).toBe("redis key state-test:state:n1");
  await store.acquire();
  expect(await store.load()).toBeUndefined();
  await store.save(state("S1"));
  expect(await store.load()).toMatchObject({ sessionId: "S1", target: { kind: "new", fileName: "a.bin" } });
  const ttl = await redis.client.pttl(keys.state("n1"));
  expect(ttl).toBeGreaterThan(6 * 24 * 3600 * 1000);
  expect(ttl).toBeLessThanOrEqual(7 * 24 * 3600 * 1000);
  expect(await redis.client.get(keys.lock("n1"))).toBe("host-a:1:x");
  await store.remove();
  expect(await redis.client.exists(keys.state("n1"))).toBe(0);
  await store.release();
  expect(await redis.client.exists(keys.lock("n1"))).toBe(0);
});

test("a live owner keeps its lock: a second worker waits a lock lifetime, then is refused, naming the owner", async () => {
  const a = new RedisStateStore(connection(), keys, "n2", { owner: "host-a:1:x", lockMs: 1000 });
  const b = new RedisStateStore(connection(), keys, "n2", { owner: "host-b:2:y", lockMs: 1000 });
  await a.acquire();
  const started = Date.now();
  const err = await rejectionOf(b.acquire());
  expect(err).toBeInstanceOf(BoxInputError);
  expect((err as Error).message).toMatch(/in use by worker host-a:1:x/);
  // It waited past the lock's lifetime (a's renewals kept it), and not much longer.
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  expect(Date.now() - started).toBeLessThan(5000);
  await a.release();
  await b.acquire();
  await b.release();
});

test("a dead owner's lock expires and is taken over; when it comes back it cannot save, remove or take the lock back", async () => {
  const aConnection = connection();
  const lost: Error[] = [];
  const a = new RedisStateStore(aConnection, keys, "n3", { owner: "host-a:1:x", lockMs: 1000, onLost: (err) => lost.push(err) });
  await a.acquire();
  await a.save(state("S-A"));
  // Host a drops off the network: its renewals fail, its lock runs out.
  aConnection.disconnect();
  const b = new RedisStateStore(connection(), keys, "n3", { owner: "host-b:2:y", lockMs: 1000 });
  const started = Date.now();
  await b.acquire();
  expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  // b continues the same upload where a left it.
  expect(await b.load()).toMatchObject({ sessionId: "S-A" });
  await b.save({ ...state("S-A"), commitSha1: "a".repeat(40) });

  // a is back: its next renewal finds the lock gone and says so; its writes are refused.
  await aConnection.connect();
  for (let i = 0; i < 30 && lost.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  expect(lost[0]).toBeInstanceOf(StateLockLostError);
  expect(await rejectionOf(a.save(state("S-A")))).toBeInstanceOf(StateLockLostError);
  expect(await rejectionOf(a.remove())).toBeInstanceOf(StateLockLostError);
  await a.release();
  // b's state and lock are untouched.
  expect(await b.load()).toMatchObject({ commitSha1: "a".repeat(40) });
  expect(await redis.client.get(keys.lock("n3"))).toBe("host-b:2:y");
  await b.remove();
  await b.release();
});

test("a write without a claim is refused before it reaches Redis", async () => {
  const store = new RedisStateStore(connection(), keys, "n4", { owner: "o", lockMs: 1000 });
  expect(await rejectionOf(store.save(state("S")))).toBeInstanceOf(BoxInputError);
  expect(await redis.client.exists(keys.state("n4"))).toBe(0);
});
