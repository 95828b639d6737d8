/**
 * The commit: the parts list and the whole-file SHA-1, waiting out 202s. A `parts_mismatch` right
 * after the last part is often Box lagging: we list the parts, and if they are all there commit
 * again after a pause, else resend the missing ones. What may happen once a commit may have been
 * applied is decided by the CommitGuard (commitGuard.ts), never here.
 */
import type { BoxFile } from "../api/boxApi";
import { sha1Hex } from "../core/digest";
import { BoxApiError, BoxProtocolError, SourceChangedError, UploadAbortedError } from "../core/errors";
import { backoff, withRetry } from "../core/retry";
import { sleep } from "../core/sleep";
import { refusedOutright } from "./commitGuard";
import { holds, sendPart } from "./parts";
import { afterRefusal, commitParts, type HitMode } from "./planned";
import type { UploadState } from "./state";

/** Retry-After values beyond this are clamped: a commit still gets asked again within a minute. */
const MAX_COMMIT_WAIT_STEP = 60_000;
/** ...and below this, so a `Retry-After: 0` does not become a tight loop. */
const MIN_COMMIT_WAIT_STEP = 500;
/** How often a `parts_mismatch` is checked and retried when every part is in fact stored. */
const MAX_MISMATCH_RETRIES = 5;

export async function commit(st: UploadState, sha1: string): Promise<BoxFile> {
  const { guard } = st;
  const { api } = st.deps;
  const { signal, ifMatch, run, resume } = st.job;
  const deadline = Date.now() + run.commitWaitMs;
  // The version the file had before our commit (read while the parts went up; see state.ts).
  await st.settleVersionBefore();
  guard.sending(sha1);
  await st.recordCommit(sha1);
  const aborted = () => signal?.aborted === true;
  let hitMode: HitMode = "named";
  let lagged = 0;
  for (let mismatches = 0; ; ) {
    const parts = commitParts(st, hitMode);
    let result;
    try {
      result = await withRetry(
        run.retry,
        (ctx) => api.commitUploadSession(st.sessionId, { parts, sha1, times: st.job.times, ...(ifMatch ? { ifMatch } : {}) }, { ...st.call, signal: ctx.signal }),
        { ...(signal ? { signal } : {}), onRetry: (err) => guard.failed(err, aborted()) },
      );
    } catch (err) {
      const appliedBefore = guard.mayBeApplied;
      guard.failed(err, aborted());
      if (aborted()) {
        // An abort cannot take back a commit that reached Box: say so instead of "aborted".
        if (guard.mayBeApplied) throw guard.uncertain("aborted", signal!.reason);
        throw new UploadAbortedError(st.sessionId, { cause: signal!.reason });
      }
      const gone = err instanceof BoxApiError && err.status === 404;
      if ((appliedBefore && gone) || (guard.mayBeApplied && !refusedOutright(err))) throw guard.uncertain("answer-lost", err);
      // Planned hits refused in the way they were named: the next way (planned.ts). Never once a
      // commit may have been applied: what Box did then is for the guard to settle.
      const next: HitMode | undefined = err instanceof BoxApiError && err.status === 400 && !guard.mayBeApplied ? await afterRefusal(st, hitMode, lagged) : undefined;
      if (next) {
        if (next === "named") lagged++;
        hitMode = next;
        continue;
      }
      if (err instanceof BoxApiError && err.code === "parts_mismatch" && mismatches < MAX_MISMATCH_RETRIES) {
        mismatches++;
        await repairParts(st, mismatches).catch((repairErr: unknown) => {
          // The parts are gone because an earlier commit consumed them: that commit went through.
          const consumed = guard.mayBeApplied && repairErr instanceof BoxApiError && repairErr.status === 404;
          throw consumed ? guard.uncertain("answer-lost", repairErr) : repairErr;
        });
        continue;
      }
      throw err;
    }
    // Any 2xx means Box took the commit: from here the session is never aborted.
    guard.processing();
    if (result.status === "committed") {
      if (result.file.sha1 !== undefined && result.file.sha1 !== sha1) {
        throw new BoxProtocolError(`Box committed SHA-1 ${result.file.sha1}, we uploaded ${sha1}`);
      }
      await resume?.store.remove();
      return result.file;
    }
    const wait = Math.max(MIN_COMMIT_WAIT_STEP, Math.min(result.retryAfterMs ?? 1000, MAX_COMMIT_WAIT_STEP));
    if (Date.now() + wait > deadline) {
      throw guard.uncertain("still-processing", new BoxProtocolError(`Box was still processing the commit after ${run.commitWaitMs} ms of 202 answers`));
    }
    await sleep(wait, signal).catch((err: unknown) => {
      throw guard.uncertain("aborted", signal?.reason ?? err);
    });
  }
}

/** After parts_mismatch: resend what the server lacks, or, if it has everything, give it time. */
async function repairParts(st: UploadState, attempt: number): Promise<void> {
  const listed = await st.retried((o) => st.deps.api.listAllUploadedParts(st.sessionId, { ...o, totalParts: st.plan.length }));
  const byOffset = new Map(listed.map((p) => [p.offset, p]));
  const missing = st.plan.filter((part) => {
    const have = byOffset.get(part.offset);
    return !have || !holds(have, part, st.acked[part.index]?.sha1);
  });
  if (missing.length === 0) {
    await sleep(backoff(st.job.run.retry, attempt, undefined) + 1000, st.job.signal);
    return;
  }
  if (!st.job.source.seekable) {
    throw new BoxProtocolError(`Box lost ${missing.length} acknowledged part(s) and a stream cannot be read twice`);
  }
  for (const part of missing) {
    const bytes = await st.job.source.read(part);
    const sha1 = sha1Hex(st.deps.platform.sha1, bytes);
    if (sha1 !== st.acked[part.index]?.sha1) {
      throw new SourceChangedError(`part at offset ${part.offset} reads differently now; the source changed during the upload`);
    }
    st.replace(part, await sendPart(st, part, bytes, sha1));
  }
}
