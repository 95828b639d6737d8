/**
 * Undo actions for what tests and benches start (servers, clients, child processes, timers, test
 * files): `closeAll()` runs them in a test's afterEach, `withCleanup` at the end of a block, and
 * `cleanupOnSignals()` on SIGINT/SIGTERM, so an interrupted bench leaves no server or big file behind.
 */
const pending = new Set<() => unknown>();

/** Registers `undo` until it is unregistered (the resource ended by itself) or run by closeAll. */
export function registerCleanup(undo: () => unknown): () => void {
  pending.add(undo);
  return () => pending.delete(undo);
}

/** Registers `undo` until `body` settles, then runs it whatever the outcome. */
export async function withCleanup<T>(undo: () => unknown, body: () => Promise<T>): Promise<T> {
  pending.add(undo);
  try {
    return await body();
  } finally {
    pending.delete(undo);
    await undo();
  }
}

/** Runs every pending undo, the latest first, one at a time; failures are ignored. For afterEach. */
export async function closeAll(): Promise<void> {
  const all = [...pending].reverse();
  pending.clear();
  for (const undo of all) await Promise.resolve().then(undo).catch(() => undefined);
}

/** A repeating timer that closeAll() clears (for servers that trickle bytes). */
export function every(ms: number, fn: () => void): NodeJS.Timeout {
  const timer = setInterval(fn, ms);
  registerCleanup(() => clearInterval(timer));
  return timer;
}

/** On SIGINT or SIGTERM: runs every pending undo at once, then exits 130. For the benches. */
export function cleanupOnSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping servers and clients, removing test files\n`);
      void Promise.allSettled([...pending].map(async (undo) => undo())).then(() => process.exit(130));
    });
  }
}
