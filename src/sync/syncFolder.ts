/**
 * A local folder into a Box folder: `transfers` workers take files from the lazy walk, every
 * upload drawing on one budget of requests in flight and part buffers, so memory is bounded by
 * the settings whatever the tree's size. The options are resolved once for the run. Running it
 * again is safe at any point: what Box already holds is skipped by size and SHA-1, and chunked
 * files continue from their resume state.
 */
import { UploadAbortedError } from "../core/errors";
import { linkedSignal } from "../core/linkedSignal";
import { globs } from "./globs";
import { Mirror } from "./mirror";
import { syncSettings, type SyncSummary } from "./options";
import type { SyncDeps } from "./ports";
import { Tally } from "./tally";
import { transfer, type TransferContext } from "./transfer";
import { walk } from "./walk";

export async function syncFolder(deps: SyncDeps, localDir: string, folderId: string, options: unknown): Promise<SyncSummary> {
  const s = syncSettings(options);
  if (s.signal?.aborted) throw new UploadAbortedError(undefined, { cause: s.signal.reason });
  const tree = await deps.local.openTree(localDir);
  const tally = new Tally(s);
  // A fatal failure (the root cannot be listed) stops the other workers too.
  const stop = new AbortController();
  const linked = linkedSignal([s.signal, stop.signal]);
  const signal = linked.signal;
  const stateDir = s.dryRun ? undefined : s.stateDir;
  const states = stateDir ? async (name: string) => deps.platform.stateStore(await deps.local.statePath(stateDir, name)) : undefined;
  const mirror = s.deleteExtraneous ? new Mirror(deps.api, s, globs(s.include, s.exclude), tally, deps.describe) : undefined;
  const jobs = walk({ api: deps.api, tree, rootId: folderId, s, tally, signal, call: { signal }, describe: deps.describe, mirror });
  // Each file gets a signal of its own, all aborted by one listener here: the uploads' own waits
  // then listen on their file's signal, not dozens at once on one shared signal (Node warns past 10).
  const files = new Set<AbortController>();
  signal.addEventListener("abort", () => files.forEach((c) => c.abort(signal.reason)), { once: true });

  let fatal: { error: unknown } | undefined;
  const worker = async () => {
    try {
      while (!signal.aborted) {
        const next = await jobs.next();
        if (next.done) return;
        const own = new AbortController();
        files.add(own);
        try {
          if (signal.aborted) own.abort(signal.reason);
          const ctx: TransferContext = { deps, tree, rootId: folderId, s, tally, signal: own.signal, call: { signal: own.signal }, states };
          await transfer(ctx, next.value);
        } finally {
          files.delete(own);
        }
      }
    } catch (error) {
      // The walk or a worker failed beyond one file (transfer records those itself): stop all.
      fatal ??= { error };
      stop.abort(error);
    }
  };
  await Promise.all(Array.from({ length: s.transfers }, worker));
  await jobs.return(undefined).catch(() => undefined);
  // Deletions last, once every file settled, and only after a walk that ran to its end.
  if (mirror && !fatal && !signal.aborted) await mirror.finish(signal).catch((error: unknown) => void (fatal ??= { error }));
  linked.dispose();
  if (s.signal?.aborted) throw new UploadAbortedError(undefined, { cause: s.signal.reason });
  if (fatal) throw fatal.error;
  return tally.finish();
}
