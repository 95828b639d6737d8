/** Waiting in tests without hanging them: poll until a condition holds, or see whether a promise settles in time. */

/** Resolves once `predicate` holds, polling every 10 ms; fails after `ms`. */
export async function until(predicate: () => boolean, ms = 5000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `promise`'s outcome, or "still pending" when it has not settled within `ms` (a hang as a plain assertion). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | "still pending"> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"still pending">((r) => (timer = setTimeout(() => r("still pending"), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
