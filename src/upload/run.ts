/**
 * One upload, start to end, from a job with everything decided (job.ts): one direct request below
 * the threshold (direct.ts), else a chunked upload (chunked.ts); then, when the outcome of a
 * commit is unknown, a look whether it landed; and on failure, cleanup. The same function runs a
 * single upload (start.ts) and each file of a sync.
 */
import type { BoxFile } from "../api/boxApi";
import { CommitUncertainError, UploadAbortedError } from "../core/errors";
import { linkedSignal } from "../core/linkedSignal";
import { ChunkedUpload } from "./chunked";
import { uploadDirect } from "./direct";
import type { UploadJob } from "./job";
import type { UploadDeps } from "./ports";
import { resolveUncertain } from "./resolve";

/**
 * Best-effort cleanup after a failure, so no half-written session lingers (never once a commit may
 * have been applied, and never one a resume record keeps for the next run). Bounded, and sent only
 * with a token at hand: after an abort, nothing may wait on a token provider that stalls.
 */
async function abandon(deps: UploadDeps, upload: ChunkedUpload): Promise<void> {
  if (!upload.mayAbandon) return;
  const limit = linkedSignal([], 10_000);
  await deps.api
    .abortUploadSession(upload.sessionId, { ...upload.call, signal: limit.signal, noTokenWait: true })
    .catch(() => undefined)
    .finally(() => limit.dispose());
}

export async function uploadJob(deps: UploadDeps, job: UploadJob): Promise<BoxFile> {
  if (job.signal?.aborted) throw new UploadAbortedError(undefined, { cause: job.signal.reason });
  // One request: nothing to resume. It holds no part buffer (the file goes out in 1 MiB slices), so
  // it takes no slot of the run's budget: under a folder sync, the files in flight bound it instead.
  if (job.source.size < job.run.chunkedThreshold) return uploadDirect(deps, job);
  const upload = new ChunkedUpload(deps, job);
  try {
    return await upload.run();
  } catch (err) {
    if (err instanceof CommitUncertainError) {
      const file = await resolveUncertain(deps.api, job.target, err, upload.versionBefore, job.signal);
      if (file) {
        await job.resume?.store.remove().catch(() => undefined);
        return file;
      }
    }
    // Whatever an abort broke on its way out is reported as the abort, unless the outcome is already typed.
    const typed = err instanceof UploadAbortedError || err instanceof CommitUncertainError;
    const error = job.signal?.aborted && !typed ? new UploadAbortedError(upload.sessionId || undefined, { cause: job.signal.reason }) : err;
    await upload.keepRecord().catch(() => undefined);
    await abandon(deps, upload);
    throw error;
  }
}
