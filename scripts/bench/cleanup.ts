/**
 * Undo actions for what the bench starts (server processes, clients, test files), run in finally
 * blocks and also on SIGINT/SIGTERM, so an interrupted bench leaves no server or 256 MiB+ file behind.
 */
const pending = new Set<() => unknown>();

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

/** For resources whose end is not scoped to one block (a client child until it exits). */
export function registerCleanup(undo: () => unknown): () => void {
  pending.add(undo);
  return () => pending.delete(undo);
}

export function cleanupOnSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping servers and clients, removing test files\n`);
      void Promise.allSettled([...pending].map(async (undo) => undo())).then(() => process.exit(130));
    });
  }
}
