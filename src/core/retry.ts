/**
 * One retry policy for every request: network failures, 5xx, 429 and 408 are tried again with
 * exponential backoff and full jitter, waiting at least what `Retry-After` asks, until the attempt
 * limit or the deadline; a 429 is waited out without using up an attempt. Anything else (other
 * 4xx, bad input, integrity failures) fails at once.
 */
import { BoxApiError, BoxInputError, BoxNetworkError, wasNotSent } from "./errors";
import { sleep } from "./sleep";
import { checkIntInRange } from "./validate";
import { linkedSignal } from "./linkedSignal";

export interface RetryOptions {
  /** Tries per request, the first included. Default 6. */
  maxAttempts?: number;
  /** First backoff ceiling in ms; doubles each attempt. Default 500. */
  baseDelayMs?: number;
  /** Largest backoff ceiling in ms (Retry-After may ask for more, within the deadline). Default 30 000. */
  maxDelayMs?: number;
  /** Give up on a request once this much time has passed since its first try. Default 600 000. */
  deadlineMs?: number;
  /** Source of randomness in [0, 1) for jitter; tests pass a seeded one. */
  random?: () => number;
  /** Called before each retry: what failed, which try comes next and how long until it (the CLI prints it). */
  onRetry?: (event: RetryEvent) => void;
}

export interface RetryEvent {
  /** What the last try failed with (one of our errors, cleaned of secrets). */
  error: unknown;
  /** The try about to be made, 1-based, and the most there will be (a 429 uses up none). */
  attempt: number;
  maxAttempts: number;
  waitMs: number;
  /** Box answered 429: it asks the client to slow down (every request of the kind waits). */
  rateLimited: boolean;
}

export type RetryPolicy = Required<Omit<RetryOptions, "onRetry">> & Pick<RetryOptions, "onRetry">;

export function retryPolicy(options: RetryOptions | undefined): RetryPolicy {
  if (options === undefined) options = {};
  if (options === null || typeof options !== "object") throw new BoxInputError("options.retry", "must be an object");
  const p: RetryPolicy = {
    maxAttempts: options.maxAttempts ?? 6,
    baseDelayMs: options.baseDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    deadlineMs: options.deadlineMs ?? 600_000,
    random: options.random ?? Math.random,
    ...(options.onRetry !== undefined ? { onRetry: options.onRetry } : {}),
  };
  checkIntInRange("options.retry.maxAttempts", p.maxAttempts, 1, 100);
  checkIntInRange("options.retry.baseDelayMs", p.baseDelayMs, 0, 3_600_000);
  checkIntInRange("options.retry.maxDelayMs", p.maxDelayMs, 0, 3_600_000);
  checkIntInRange("options.retry.deadlineMs", p.deadlineMs, 0, 7 * 24 * 3_600_000);
  if (typeof p.random !== "function") throw new BoxInputError("options.retry.random", "must be a function");
  if (p.onRetry !== undefined && typeof p.onRetry !== "function") throw new BoxInputError("options.retry.onRetry", "must be a function");
  return p;
}

/** The connection was never made: the server cannot have seen the request. */
const NEVER_CONNECTED = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENETDOWN", "EAI_AGAIN"]);
/** The connection broke or stalled mid-exchange: the server may have acted on the request. */
const BROKE_MID_WAY = new Set(["ECONNRESET", "ECONNABORTED", "EPIPE", "ETIMEDOUT"]);

/** The system error code of a failure below HTTP, looked up along the cause chain. */
export function networkCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (NEVER_CONNECTED.has(code) || BROKE_MID_WAY.has(code))) return code;
  }
  return undefined;
}

/** A failure below HTTP, worth another try. */
export function isNetworkError(err: unknown): boolean {
  return networkCode(err) !== undefined;
}

export function isRetryable(err: unknown): boolean {
  if (err instanceof BoxApiError) return err.status >= 500 || err.status === 429 || err.status === 408;
  return isNetworkError(err);
}

/** True when the server may have acted on the request although we saw a failure. */
export function mayHaveSucceeded(err: unknown): boolean {
  if (wasNotSent(err)) return false;
  const code = networkCode(err);
  return (code !== undefined && BROKE_MID_WAY.has(code)) || (err instanceof BoxApiError && err.status >= 500);
}

/** Milliseconds to wait before attempt `attempt + 1` (attempt is 1-based), full jitter. */
export function backoff(policy: RetryPolicy, attempt: number, err: unknown): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jitter = Math.floor(policy.random() * ceiling);
  const asked = err instanceof BoxApiError ? err.retryAfterMs : undefined;
  return asked === undefined ? jitter : Math.max(asked, jitter);
}

/**
 * `withRetry` bound to a policy and a signal, for code that makes many calls under one (an upload's
 * session calls, a sync's walk): `retried((signal) => api.call(..., { signal }))`, with another
 * signal for one call where it has its own.
 */
export function retrying(policy: RetryPolicy, signal: AbortSignal | undefined) {
  return <T>(task: (signal: AbortSignal) => Promise<T>, own: AbortSignal | undefined = signal): Promise<T> =>
    withRetry(policy, (ctx) => task(ctx.signal), own ? { signal: own } : {});
}

export interface RetryContext {
  /** 1-based number of this try. */
  attempt: number;
  /** What the previous try failed with, if this is a retry. */
  lastError: unknown;
  /** Ends this try at the caller's abort or at the policy's deadline, whichever comes first. */
  signal: AbortSignal;
}

/**
 * Runs `task` until it succeeds, fails with something not retryable, runs out of attempts, or
 * the deadline passes. The deadline bounds the tries themselves too (each gets a signal that
 * fires when it passes, ending as BoxNetworkError ETIMEDOUT), not only the waits between them.
 * Waits end early, with the signal's reason, on abort.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  task: (ctx: RetryContext) => Promise<T>,
  options: { signal?: AbortSignal; onRetry?: (err: unknown, attempt: number, waitMs: number) => void } = {},
): Promise<T> {
  const started = Date.now();
  const linked = linkedSignal([options.signal], policy.deadlineMs);
  try {
    return await attempts(policy, task, options, linked.signal, linked.deadline, started);
  } finally {
    linked.dispose();
  }
}

async function attempts<T>(
  policy: RetryPolicy,
  task: (ctx: RetryContext) => Promise<T>,
  options: { signal?: AbortSignal; onRetry?: (err: unknown, attempt: number, waitMs: number) => void },
  signal: AbortSignal,
  deadline: AbortSignal,
  started: number,
): Promise<T> {
  let lastError: unknown;
  // `attempt` counts the tries a failure used up; a 429 uses none (Box asked us to wait, not to give
  // up), so a file never fails on rate limits while the deadline allows. `refusals` grows the wait
  // for 429s that name no Retry-After.
  let attempt = 1;
  let refusals = 0;
  for (let tries = 1; ; tries++) {
    options.signal?.throwIfAborted();
    try {
      return await task({ attempt: tries, lastError, signal });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      if (deadline.aborted) {
        throw new BoxNetworkError("ETIMEDOUT", `gave up after the retry deadline of ${policy.deadlineMs} ms (${tries} tries)`, { cause: err });
      }
      const limited = err instanceof BoxApiError && err.status === 429;
      if (!isRetryable(err) || (!limited && attempt >= policy.maxAttempts)) throw err;
      const wait = limited ? ((err as BoxApiError).retryAfterMs ?? backoff(policy, ++refusals, undefined)) : backoff(policy, attempt, err);
      if (Date.now() - started + wait > policy.deadlineMs) throw err;
      if (!limited) attempt++;
      options.onRetry?.(err, tries, wait);
      try {
        policy.onRetry?.({ error: err, attempt, maxAttempts: policy.maxAttempts, waitMs: wait, rateLimited: limited });
      } catch {
        /* a listener that throws must not fail the upload */
      }
      lastError = err;
      await sleep(wait, options.signal);
    }
  }
}
