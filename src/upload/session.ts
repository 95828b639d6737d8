/** Opening a session for an upload, or picking up the one a resume state file names. */
import type { CallOptions, UploadPart, UploadSession } from "../api/boxApi";
import { BoxApiError, BoxInputError, BoxProtocolError, SourceChangedError } from "../core/errors";
import { commitUncertain } from "./commitGuard";
import { sameTarget, sourceMismatch, type ResumeState, type SourceIdentity } from "./resume";
import type { UploadState } from "./state";

export async function openSession(st: UploadState, identity: SourceIdentity | undefined): Promise<void> {
  const { api, target, s, reader } = st;
  // Retrying a create that may have reached Box can leave an orphan session; that is harmless
  // (it never commits, and expires), unlike giving up on a multi-gigabyte upload over one 503.
  const session = await st.retried(
    (o) =>
      target.kind === "version"
        ? api.createUploadSessionForExistingFile(target.fileId, { fileSize: reader.size, ...(s.fileName ? { fileName: s.fileName } : {}) }, o)
        : api.createUploadSession(target.folderId, { fileSize: reader.size, fileName: target.fileName }, o),
    {},
  );
  st.adopt(session, api.sessionCall(session));
  if (s.resume && identity) {
    st.record = {
      version: 1,
      sessionId: st.sessionId,
      ...(st.call.baseUrl ? { sessionBaseUrl: st.call.baseUrl } : {}),
      target,
      partSize: session.part_size!,
      totalParts: session.total_parts!,
      source: identity,
      parts: [],
      updatedAt: "",
    };
    await s.resume.save(st.record);
  }
}

/** Picks up the session a state file names, if it still exists and the source is unchanged; returns the parts it holds. */
export async function reattach(st: UploadState, previous: ResumeState, identity: SourceIdentity): Promise<Map<number, UploadPart>> {
  const store = st.s.resume!;
  if (!sameTarget(previous.target, st.target)) {
    throw new BoxInputError("options.resume.path", `${store.path} records an upload to a different target`);
  }
  const why = sourceMismatch(previous.source, identity);
  if (why) {
    throw new SourceChangedError(`the source is not the one ${store.path} was recorded for (${why}); delete the state file to start over`);
  }
  const call: CallOptions = previous.sessionBaseUrl ? { baseUrl: previous.sessionBaseUrl } : {};
  let session: UploadSession;
  try {
    session = await st.retried((o) => st.api.getUploadSession(previous.sessionId, o), call);
  } catch (err) {
    if (err instanceof BoxApiError && err.status === 404) {
      // Gone after a commit was sent: it most likely went through, and uploading again could
      // make a second version. Gone otherwise (expired, aborted): start cleanly.
      if (previous.commitSha1) throw commitUncertain(previous.sessionId, previous.commitSha1, "resumed-after-commit", err);
      await store.remove();
      return new Map();
    }
    throw err;
  }
  if (session.part_size !== previous.partSize) {
    throw new BoxProtocolError(`session ${previous.sessionId} now has part_size ${session.part_size}, the state file says ${previous.partSize}`);
  }
  st.adopt(session, call);
  st.record = previous;
  const parts = await st.retried((o) => st.api.listAllUploadedParts(st.sessionId, o), call);
  return new Map(parts.map((p) => [p.offset ?? -1, p]));
}
