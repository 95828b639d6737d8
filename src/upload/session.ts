/**
 * Where a chunked upload's session comes from: a new one for the job's target, or the one its
 * resume record names, looked up with the parts it holds. What the upload keeps of either is its
 * ledger's (chunked.ts); these only ask Box.
 */
import type { CallOptions, UploadPart, UploadSession } from "../api/boxApi";
import { BoxApiError, BoxProtocolError } from "../core/errors";
import type { retrying } from "../core/retry";
import { commitUncertain } from "./commitGuard";
import type { UploadJob } from "./job";
import type { UploadApi } from "./ports";
import type { ResumeState } from "./resume";

type Retried = ReturnType<typeof retrying>;

/** A new session for the job's target. */
export function createSession(api: UploadApi, job: UploadJob, retried: Retried): Promise<UploadSession> {
  const { target, fileName, source } = job;
  // Retrying a create that may have reached Box can leave an orphan session; that is harmless
  // (it never commits, and expires), unlike giving up on a multi-gigabyte upload over one 503.
  return retried((signal) =>
    target.kind === "version"
      ? api.createUploadSessionForExistingFile(target.fileId, { fileSize: source.size, ...(fileName ? { fileName } : {}) }, { signal })
      : api.createUploadSession(target.folderId, { fileSize: source.size, fileName: target.fileName }, { signal }),
  );
}

export interface RecordedSession {
  session: UploadSession;
  call: CallOptions;
  previous: ResumeState;
  parts: UploadPart[];
}

/**
 * The session the resume record names (already checked against the target and the source), with
 * the parts it holds. Gone after a commit was sent: it most likely went through
 * (CommitUncertainError). Gone otherwise (expired, aborted): the record is dropped and undefined
 * returned, so a new session is opened.
 */
export async function findRecorded(api: UploadApi, job: UploadJob, retried: Retried): Promise<RecordedSession | undefined> {
  const previous = job.resume?.previous;
  if (!previous) return undefined;
  const call = previous.sessionBaseUrl ? { baseUrl: previous.sessionBaseUrl } : {};
  let session;
  try {
    session = await retried((signal) => api.getUploadSession(previous.sessionId, { ...call, signal }));
  } catch (err) {
    if (!(err instanceof BoxApiError && err.status === 404)) throw err;
    if (previous.commitSha1) throw commitUncertain(previous.sessionId, previous.commitSha1, "resumed-after-commit", err);
    await job.resume!.store.remove();
    return undefined;
  }
  if (session.part_size !== previous.partSize) {
    throw new BoxProtocolError(`session ${previous.sessionId} now has part_size ${session.part_size}, the state file says ${previous.partSize}`);
  }
  const parts = await retried((signal) => api.listAllUploadedParts(previous.sessionId, { ...call, signal, totalParts: previous.totalParts }));
  return { session, call, previous, parts };
}
