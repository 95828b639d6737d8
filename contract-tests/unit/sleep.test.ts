/** A bounded wait on a way out: true in time, false when late, and no timer left behind. */
import { within } from "../../src/core/sleep";

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

test("within: a promise that settles in time (fulfilled or rejected) is true, and its timer is gone", async () => {
  const before = timers();
  expect(await within(Promise.resolve(1), 60_000)).toBe(true);
  expect(await within(Promise.reject(new Error("refused")), 60_000)).toBe(true);
  expect(timers()).toBe(before);
});

test("within: one that does not settle in time is false after about the time given", async () => {
  const started = Date.now();
  expect(await within(new Promise(() => undefined), 100)).toBe(false);
  expect(Date.now() - started).toBeGreaterThanOrEqual(95);
});
