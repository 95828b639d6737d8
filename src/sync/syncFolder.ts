/**
 * A local folder into a Box folder: `transfers` workers take files from the lazy walk, every
 * upload drawing on one budget of requests in flight and part buffers, so memory is bounded by
 * the settings whatever the tree's size. Running it again is safe at any point: what Box already
 * holds is skipped by size and SHA-1, and chunked files continue from their resume state.
 */
import type { CallOptions } from "../api/boxApi";
import { UploadAbortedError } from "../core/errors";
import { linkedSignal } from "../core/linkedSignal";
import { PartBudget } from "../upload/budget";
import type { UploadPlatform } from "../upload/ports";
import { syncSettings, type SyncSummary } from "./options";
import type { SyncApi, SyncPlatform } from "./ports";
import { Tally } from "./tally";
import { transfer, type TransferContext } from "./transfer";
import { walk } from "./walk";

export async function syncFolder(
  api: SyncApi,
  platform: UploadPlatform,
  sync: SyncPlatform,
  localDir: string,
  folderId: string,
  options: unknown,
  describe: (err: unknown) => string,
): Promise<SyncSummary> {
  const s = syncSettings(options);
  if (s.signal?.aborted) throw new UploadAbortedError(undefined, { cause: s.signal.reason });
  const tree = await sync.openTree(localDir);
  const tally = new Tally(s);
  // A fatal failure (the root cannot be listed) stops the other workers too.
  const stop = new AbortController();
  const linked = linkedSignal([s.signal, stop.signal]);
  const signal = linked.signal;
  const call: CallOptions = { signal };
  const settings = { ...s, signal };
  const ctx: TransferContext = { api, platform, sync, tree, rootId: folderId, s: settings, tally, budget: new PartBudget(s.concurrency), call, describe };
  const jobs = walk({ api, tree, rootId: folderId, s: settings, tally, call, describe });
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
          await transfer({ ...ctx, s: { ...settings, signal: own.signal }, call: { signal: own.signal } }, next.value);
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
  linked.dispose();
  if (s.signal?.aborted) throw new UploadAbortedError(undefined, { cause: s.signal.reason });
  if (fatal) throw fatal.error;
  return tally.finish();
}
