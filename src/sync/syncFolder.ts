/**
 * A local folder into a Box folder: the run's walk feeds `transfers` files at a time to be sent
 * from here, every upload drawing on one budget of requests in flight and part buffers, so memory
 * is bounded by the settings whatever the tree's size. Running it again is safe at any point: what
 * Box already holds is skipped by size and SHA-1, and chunked files continue from their resume state.
 */
import { syncSettings, type SyncSummary } from "./options";
import type { SyncDeps } from "./ports";
import { SyncRun } from "./run";
import type { FileJob } from "./walk";

export async function syncFolder(deps: SyncDeps, localDir: string, folderId: string, options: unknown): Promise<SyncSummary> {
  const run = new SyncRun(deps, syncSettings(options));
  const root = { tree: await run.openTree(localDir), rootId: folderId };
  const send = async (file: FileJob, signal: AbortSignal) => void (await run.transfer(root, file, signal));
  // A file Box does not hold waits for the walk's end where renames are tracked (it may have moved).
  await run.sendAll(run.walk(root), run.settings.transfers, send);
  return run.finish();
}
