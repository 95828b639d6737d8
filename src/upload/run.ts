/**
 * One upload, start to end: check the options, open the source, open (or resume) a session, send
 * the parts, commit, and clean up on failure. The pieces live beside this file; this is the order.
 */
import type { BoxFile, UploadPart } from "../api/boxApi";
import { BoxApiError, CommitUncertainError, UploadAbortedError } from "../core/errors";
import { linkedSignal } from "../core/linkedSignal";
import { commit } from "./commit";
import { uploadDirect } from "./direct";
import { resolveUncertain } from "./resolve";
import { settings, type SharedPieces, type UploadOptions } from "./options";
import { sendParts } from "./parts";
import type { UploadApi, UploadPlatform } from "./ports";
import { identify, parseState, type UploadTarget } from "./resume";
import { openSession, reattach } from "./session";
import { openSource, type UploadSource } from "./sources";
import { UploadState } from "./state";

/** How often an upload starts over with a new session when its session vanished mid-way. */
const MAX_SESSION_RESTARTS = 1;

async function run(st: UploadState): Promise<BoxFile> {
  const { s, reader, platform } = st;
  const identity = s.resume ? await identify(reader, platform.sha1) : undefined;
  let stored = new Map<number, UploadPart>();
  if (s.resume) {
    const previous = parseState(await s.resume.load(), s.resume.path);
    if (previous) stored = await reattach(st, previous, identity!);
  }
  if (!st.sessionId) await openSession(st, identity);
  st.startVersionRead();

  for (let restarts = 0; ; restarts++) {
    try {
      const sha1 = await sendParts(st, stored);
      return await commit(st, sha1);
    } catch (err) {
      // A session that expired or vanished mid-way: start over once, if we can read the source again.
      const gone = err instanceof BoxApiError && err.status === 404 && !st.guard.mayBeApplied;
      if (!gone || restarts >= MAX_SESSION_RESTARTS || !reader.seekable) throw err;
      stored = new Map();
      await openSession(st, identity);
    }
  }
}

/** Best-effort cleanup after a failure, so no half-written session lingers (never once a commit may have been applied). */
async function abandon(st: UploadState): Promise<void> {
  // With resume, a session the state file records is kept for the next run.
  if (!st.sessionId || (st.s.resume && st.record) || !st.guard.mayAbortSession) return;
  const limit = linkedSignal([], 10_000);
  await st.api
    .abortUploadSession(st.sessionId, { ...st.call, signal: limit.signal })
    .catch(() => undefined)
    .finally(() => limit.dispose());
}

/** Shared by uploadNewVersion and uploadNewFile: check, open, run, and clean up on failure. */
export async function upload(
  api: UploadApi,
  platform: UploadPlatform,
  target: UploadTarget,
  source: UploadSource,
  options: UploadOptions | undefined,
  shared?: SharedPieces,
): Promise<BoxFile> {
  const s = settings(options, target, platform, shared);
  if (s.signal?.aborted) throw new UploadAbortedError(undefined, { cause: s.signal.reason });
  // The state file is claimed before anything is sent: a path in a missing folder, or a state
  // another process is using, fails here rather than after a session was opened.
  await s.resume?.acquire();
  let reader;
  try {
    reader = await openSource(source, s.size, platform.openFile);
  } catch (err) {
    await s.resume?.release();
    throw err;
  }
  if (reader.size < s.chunkedThreshold) {
    // One request: nothing to resume, so the state file (if any) is only released. It holds no
    // part buffer (the file goes out in 1 MiB slices), so it takes no slot of a shared budget:
    // under a folder sync, direct uploads are bounded by the files in flight instead.
    try {
      return await uploadDirect(api, platform, target, reader, s);
    } finally {
      void reader.close().catch(() => undefined);
      await s.resume?.release();
    }
  }
  const st = new UploadState(api, platform, target, reader, s);
  try {
    return await run(st);
  } catch (caught) {
    const err = caught;
    if (err instanceof CommitUncertainError) {
      const file = await resolveUncertain(api, target, err, st.versionBefore, s.signal);
      if (file) {
        await s.resume?.remove().catch(() => undefined);
        return file;
      }
    }
    // Whatever an abort broke on its way out is reported as the abort, unless the outcome is already typed.
    const typed = err instanceof UploadAbortedError || err instanceof CommitUncertainError;
    const error = s.signal?.aborted && !typed ? new UploadAbortedError(st.sessionId || undefined, { cause: s.signal.reason }) : err;
    if (st.record) await st.saveState(true).catch(() => undefined);
    await abandon(st);
    throw error;
  } finally {
    // Closing is cleanup: it must not turn a committed upload into a failure, nor wait on a
    // stream whose cancel never settles.
    void reader.close().catch(() => undefined);
    await s.resume?.release();
  }
}
