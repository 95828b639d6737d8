/**
 * One upload, start to end, from a job with everything decided (job.ts): one direct request below
 * the threshold, else a chunked session (or the one the resume record names), the parts, the
 * commit, settling an unknown outcome, and cleanup on failure. The pieces live beside this file;
 * this is the order. The same function runs a single upload (start.ts) and each file of a sync.
 */
import type { BoxFile, UploadPart } from "../api/boxApi";
import { BoxApiError, CommitUncertainError, UploadAbortedError } from "../core/errors";
import { linkedSignal } from "../core/linkedSignal";
import { commit } from "./commit";
import { uploadDirect } from "./direct";
import type { UploadJob } from "./job";
import { sendParts } from "./parts";
import { sendPlanned, wantsPlan } from "./planned";
import type { UploadDeps } from "./ports";
import { resolveUncertain } from "./resolve";
import { openSession, reattach } from "./session";
import { UploadState } from "./state";

/** How often an upload starts over with a new session when its session vanished mid-way. */
const MAX_SESSION_RESTARTS = 1;

async function chunked(st: UploadState): Promise<BoxFile> {
  const previous = st.job.resume?.previous;
  let stored = previous ? await reattach(st, previous) : new Map<number, UploadPart>();
  if (!st.sessionId) await openSession(st);
  st.startVersionRead();

  for (let restarts = 0; ; restarts++) {
    try {
      // A plan first where one is wanted; none to be had, a plain upload.
      const sha1 = (wantsPlan(st) ? await sendPlanned(st, stored) : undefined) ?? (await sendParts(st, stored));
      return await commit(st, sha1);
    } catch (err) {
      // A session that expired or vanished mid-way: start over once, if we can read the source again.
      const gone = err instanceof BoxApiError && err.status === 404 && !st.guard.mayBeApplied;
      if (!gone || restarts >= MAX_SESSION_RESTARTS || !st.job.source.seekable) throw err;
      stored = new Map();
      await openSession(st);
    }
  }
}

/**
 * Best-effort cleanup after a failure, so no half-written session lingers (never once a commit may
 * have been applied, and never one a resume record keeps for the next run). Bounded, and sent only
 * with a token at hand: after an abort, nothing may wait on a token provider that stalls.
 */
async function abandon(st: UploadState): Promise<void> {
  if (!st.sessionId || st.recorded || !st.guard.mayAbortSession) return;
  const limit = linkedSignal([], 10_000);
  await st.deps.api
    .abortUploadSession(st.sessionId, { ...st.call, signal: limit.signal, noTokenWait: true })
    .catch(() => undefined)
    .finally(() => limit.dispose());
}

export async function uploadJob(deps: UploadDeps, job: UploadJob): Promise<BoxFile> {
  if (job.signal?.aborted) throw new UploadAbortedError(undefined, { cause: job.signal.reason });
  // One request: nothing to resume. It holds no part buffer (the file goes out in 1 MiB slices), so
  // it takes no slot of the run's budget: under a folder sync, the files in flight bound it instead.
  if (job.source.size < job.run.chunkedThreshold) return uploadDirect(deps, job);
  const st = new UploadState(deps, job);
  try {
    return await chunked(st);
  } catch (err) {
    if (err instanceof CommitUncertainError) {
      const file = await resolveUncertain(deps.api, job.target, err, st.versionBefore, job.signal);
      if (file) {
        await job.resume?.store.remove().catch(() => undefined);
        return file;
      }
    }
    // Whatever an abort broke on its way out is reported as the abort, unless the outcome is already typed.
    const typed = err instanceof UploadAbortedError || err instanceof CommitUncertainError;
    const error = job.signal?.aborted && !typed ? new UploadAbortedError(st.sessionId || undefined, { cause: job.signal.reason }) : err;
    if (st.recorded) await st.saveState(true).catch(() => undefined);
    await abandon(st);
    throw error;
  }
}
