import { BoxApiError } from "../../src";
import { backoff, isRetryable, mayHaveSucceeded, retryPolicy, withRetry } from "../../src/core/retry";

const apiError = (status: number, retryAfterMs?: number) =>
  new BoxApiError({ status, method: "PUT", url: "https://x/", ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
const netError = (code: string) => Object.assign(new Error(code), { code });

test("what is retried, and what may have reached the server", () => {
  for (const s of [500, 502, 503, 504, 429, 408]) expect(isRetryable(apiError(s))).toBe(true);
  for (const s of [400, 401, 403, 404, 409, 412, 416]) expect(isRetryable(apiError(s))).toBe(false);
  for (const c of ["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]) {
    expect(isRetryable(netError(c))).toBe(true);
  }
  // A connection that was never made cannot have stored anything; one that broke mid-way may have.
  expect(mayHaveSucceeded(netError("ECONNREFUSED"))).toBe(false);
  expect(mayHaveSucceeded(netError("EHOSTUNREACH"))).toBe(false);
  expect(mayHaveSucceeded(netError("ECONNRESET"))).toBe(true);
  expect(mayHaveSucceeded(new TypeError("fetch failed", { cause: netError("EPIPE") }))).toBe(true);
  expect(mayHaveSucceeded(apiError(500))).toBe(true);
  expect(mayHaveSucceeded(apiError(429))).toBe(false);
  expect(isRetryable(new Error("something else"))).toBe(false);
});

test("backoff: full jitter under a doubling ceiling, Retry-After as a floor", () => {
  const p = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999 });
  expect([1, 2, 3, 4, 5].map((a) => backoff(p, a, apiError(503)))).toEqual([99, 199, 399, 799, 999]);
  expect(backoff(retryPolicy({ random: () => 0 }), 1, apiError(429, 7000))).toBe(7000);
});

test("withRetry stops at maxAttempts and does not retry what is not retryable", async () => {
  const policy = retryPolicy({ maxAttempts: 3, baseDelayMs: 1, random: () => 0 });
  let calls = 0;
  await expect(withRetry(policy, async () => { calls++; throw apiError(503); })).rejects.toMatchObject({ status: 503 });
  expect(calls).toBe(3);
  calls = 0;
  await expect(withRetry(policy, async () => { calls++; throw apiError(409); })).rejects.toMatchObject({ status: 409 });
  expect(calls).toBe(1);
});

test("withRetry gives up when the next wait would pass the deadline", async () => {
  const policy = retryPolicy({ maxAttempts: 10, deadlineMs: 1000 });
  let calls = 0;
  await expect(withRetry(policy, async () => { calls++; throw apiError(503, 5000); })).rejects.toMatchObject({ status: 503 });
  expect(calls).toBe(1);
});

test("429s use up no attempt: waited out (Retry-After) until the deadline, while failures still count", async () => {
  const events: { attempt: number; rateLimited: boolean; waitMs: number }[] = [];
  const policy = retryPolicy({ maxAttempts: 2, baseDelayMs: 1, random: () => 0, onRetry: (e) => events.push({ attempt: e.attempt, rateLimited: e.rateLimited, waitMs: e.waitMs }) });
  let calls = 0;
  // Five 429s, one 503, then success: 7 tries, though the policy allows 2 attempts.
  const answer = await withRetry(policy, async () => {
    calls++;
    if (calls <= 5) throw apiError(429, 10);
    if (calls === 6) throw apiError(503);
    return "done";
  });
  expect(answer).toBe("done");
  expect(calls).toBe(7);
  expect(events.filter((e) => e.rateLimited).map((e) => e.waitMs)).toEqual([10, 10, 10, 10, 10]);
  expect(events.at(-1)).toMatchObject({ attempt: 2, rateLimited: false });
  // A second failure (not a 429) is one too many for maxAttempts 2.
  calls = 0;
  await expect(withRetry(policy, async () => { calls++; throw calls % 2 ? apiError(429, 1) : apiError(503); })).rejects.toMatchObject({ status: 503 });
  expect(calls).toBe(4);
  // And 429s forever end at the deadline, not before.
  const short = retryPolicy({ maxAttempts: 2, deadlineMs: 300 });
  const started = Date.now();
  await expect(withRetry(short, async () => { throw apiError(429, 50); })).rejects.toMatchObject({ status: 429 });
  expect(Date.now() - started).toBeGreaterThanOrEqual(200);
});
