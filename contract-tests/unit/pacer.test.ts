/** The pacer alone, on real time with small numbers: even spacing, a shared pause after a 429, the rate learned, the byte cap. */
import { BoxInputError } from "../../src";
import { createPacer } from "../../src/api/pacer";

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

test("requests of a kind leave evenly spaced at 95% of the limit, not in a burst; the other kind is not held", async () => {
  const pacer = createPacer({ uploadsPerMinute: 600, callsPerMinute: "off" }, undefined);
  const started = Date.now();
  const times: number[] = [];
  await Promise.all(Array.from({ length: 8 }, () => pacer.take("upload").then(() => times.push(Date.now()))));
  // 600 a minute at 95%: one every 105 ms (a timer may fire a few ms late, so one gap may be short by as much).
  for (const gap of gaps(times.sort((a, b) => a - b))) expect(gap).toBeGreaterThanOrEqual(80);
  expect(times.at(-1)! - started).toBeGreaterThanOrEqual(7 * 105 - 10);
  const call = Date.now();
  await Promise.all(Array.from({ length: 50 }, () => pacer.take("call")));
  expect(Date.now() - call).toBeLessThan(50);
});

test("a 429 holds every waiting request of its kind for Retry-After, then they leave spaced again, slower", async () => {
  const pacer = createPacer({ uploadsPerMinute: 1200 }, undefined);
  await pacer.take("upload");
  const times: number[] = [];
  const waiting = Array.from({ length: 4 }, () => pacer.take("upload").then(() => times.push(Date.now())));
  const refusedAt = Date.now();
  pacer.refused("upload", 300);
  // A burst of 429s is one signal: a second one now changes nothing more.
  pacer.refused("upload", 300);
  await Promise.all(waiting);
  times.sort((a, b) => a - b);
  expect(times[0]! - refusedAt).toBeGreaterThanOrEqual(290);
  // 1200/min at 95% is 53 ms apart; after one cut (x0.7), 75 ms.
  for (const gap of gaps(times)) expect(gap).toBeGreaterThanOrEqual(55);
  expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(3 * 75 - 10);
});

test("the bandwidth cap is for all the bytes together, in slices of a twentieth of a second", async () => {
  const pacer = createPacer("off", 200_000);
  expect(pacer.sliceBytes).toBe(10_000);
  const started = Date.now();
  // Two senders of 100 KB each share 200 KB/s: about a second, not half.
  await Promise.all([0, 1].map(async () => {
    for (let i = 0; i < 10; i++) await pacer.transmit(10_000);
  }));
  expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  expect(createPacer(undefined, undefined).sliceBytes).toBeUndefined();
});

test("an abort ends a wait for a turn at once; bad limits are refused", async () => {
  const pacer = createPacer({ uploadsPerMinute: 60 }, undefined);
  await pacer.take("upload");
  const controller = new AbortController();
  const waiting = pacer.take("upload", controller.signal);
  controller.abort(new Error("stop"));
  await expect(waiting).rejects.toThrow("stop");
  expect(() => createPacer({ uploadsPerMinute: -1 }, undefined)).toThrow(BoxInputError);
  expect(() => createPacer({ callsPerMinute: "fast" as never }, undefined)).toThrow(BoxInputError);
  expect(() => createPacer(undefined, Number.NaN)).toThrow(BoxInputError);
});

test("a request that times out waiting for its turn never left: it is marked so, and no commit counts as maybe applied", async () => {
  const { BoxUploadClient } = await import("../../src");
  const { wasNotSent } = await import("../../src/core/errors");
  const { mayHaveSucceeded } = await import("../../src/core/retry");
  const { refusedOutright } = await import("../../src/upload/commitGuard");
  let sent = 0;
  const stuck = { take: () => new Promise<void>(() => undefined), refused() {}, accepted() {}, transmit: async () => {}, sliceBytes: undefined };
  const client = new BoxUploadClient({ token: "t0k3n", baseUrl: "http://127.0.0.1:9/api/2.0", pacer: stuck, fetch: async () => (sent++, new Response("{}")) });
  const err = await client.api.getUploadSession("S1", { signal: AbortSignal.timeout(50) }).catch((e: unknown) => e);
  expect(sent).toBe(0);
  expect(wasNotSent(err)).toBe(true);
  expect(mayHaveSucceeded(err)).toBe(false);
  expect(refusedOutright(err)).toBe(true);
});
