/** Opening a session for an upload, or picking up the one its resume record names. */
import type { UploadPart, UploadSession } from "../api/boxApi";
import { BoxApiError, BoxProtocolError } from "../core/errors";
import { commitUncertain } from "./commitGuard";
import type { ResumeState } from "./resume";
import type { UploadState } from "./state";

export async function openSession(st: UploadState): Promise<void> {
  const { api } = st.deps;
  const { target, fileName, source } = st.job;
  // Retrying a create that may have reached Box can leave an orphan session; that is harmless
  // (it never commits, and expires), unlike giving up on a multi-gigabyte upload over one 503.
  const session = await st.retried(
    (o) =>
      target.kind === "version"
        ? api.createUploadSessionForExistingFile(target.fileId, { fileSize: source.size, ...(fileName ? { fileName } : {}) }, o)
        : api.createUploadSession(target.folderId, { fileSize: source.size, fileName: target.fileName }, o),
    {},
  );
  await st.opened(session, api.sessionCall(session));
}

/**
 * Picks up the session a resume record names (already checked against the target and the source);
 * returns the parts it holds by offset. A session gone after a commit was sent most likely went
 * through: CommitUncertainError. Gone otherwise (expired, aborted): the record is dropped and an
 * empty map returned, so the caller opens a new session.
 */
export async function reattach(st: UploadState, previous: ResumeState): Promise<Map<number, UploadPart>> {
  const store = st.job.resume!.store;
  const call = previous.sessionBaseUrl ? { baseUrl: previous.sessionBaseUrl } : {};
  let session: UploadSession;
  try {
    session = await st.retried((o) => st.deps.api.getUploadSession(previous.sessionId, o), call);
  } catch (err) {
    if (err instanceof BoxApiError && err.status === 404) {
      if (previous.commitSha1) throw commitUncertain(previous.sessionId, previous.commitSha1, "resumed-after-commit", err);
      await store.remove();
      return new Map();
    }
    throw err;
  }
  if (session.part_size !== previous.partSize) {
    throw new BoxProtocolError(`session ${previous.sessionId} now has part_size ${session.part_size}, the state file says ${previous.partSize}`);
  }
  const parts = await st.retried((o) => st.deps.api.listAllUploadedParts(previous.sessionId, { ...o, totalParts: previous.totalParts }), call);
  st.resumed(session, call, previous, parts.length);
  return new Map(parts.map((p) => [p.offset ?? -1, p]));
}
