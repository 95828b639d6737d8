/**
 * One upload call (`uploadNewVersion`, `uploadNewFile`): its options checked, its resume record
 * claimed before anything is sent, its source opened once, the record checked against the target
 * and the source once, then the job run and everything it held let go.
 */
import type { BoxFile } from "../api/boxApi";
import { BoxApiError, UploadAbortedError } from "../core/errors";
import type { ResumeSlot } from "./job";
import { checkUploadOptions, contentTimes } from "./options";
import type { UploadDeps } from "./ports";
import { examineResume, type UploadTarget } from "./resume";
import { retrying, type RetryPolicy } from "../core/retry";
import { uploadJob } from "./run";
import { openSource, type UploadSource } from "./sources";

export async function startUpload(deps: UploadDeps, target: UploadTarget, source: UploadSource, options: unknown): Promise<BoxFile> {
  const checked = checkUploadOptions(options, target);
  if (checked.signal?.aborted) throw new UploadAbortedError(undefined, { cause: checked.signal.reason });
  const store = checked.resumePath === undefined ? undefined : deps.platform.stateStore(checked.resumePath);
  // A path in a missing folder, or a state another process is using, fails here, before a session is opened.
  await store?.acquire();
  try {
    const reader = await openSource(source, checked.size, deps.platform.openFile);
    try {
      let resume: ResumeSlot | undefined;
      // Only a chunked upload has anything to resume; a direct one just holds the claim while it runs.
      if (store && reader.size >= checked.run.chunkedThreshold) {
        const found = await examineResume(store, reader, target, deps.platform.sha1);
        if (found.refusal) throw found.refusal;
        resume = { store, identity: found.identity, previous: found.previous };
      }
      // An etag that no longer holds is found out before a byte is sent, not after the last part.
      if (target.kind === "version" && checked.ifMatch !== undefined) await checkIfMatch(deps, target.fileId, checked.ifMatch, checked.run.retry, checked.signal);
      return await uploadJob(deps, {
        target,
        source: reader,
        run: checked.run,
        signal: checked.signal,
        onProgress: checked.onProgress,
        fileName: checked.fileName,
        ifMatch: checked.ifMatch,
        preflight: true,
        resume,
        sha1: undefined,
        times: contentTimes(checked.times, reader.fileTimes, target),
      });
    } finally {
      // Closing is cleanup: it must not turn a committed upload into a failure, nor wait on a
      // stream whose cancel never settles.
      void reader.close().catch(() => undefined);
    }
  } finally {
    await store?.release();
  }
}

/**
 * A version asked for with `ifMatch`: the file's etag now, read first. Box would refuse the commit
 * with 412 at the end; this refuses the same way before anything is sent.
 */
async function checkIfMatch(deps: UploadDeps, fileId: string, ifMatch: string, retry: RetryPolicy, signal: AbortSignal | undefined): Promise<void> {
  const file = await retrying(retry, signal)((own) => deps.api.getFile(fileId, ["etag"], { signal: own }));
  if (file.etag === undefined || file.etag === ifMatch) return;
  throw new BoxApiError({
    status: 412,
    method: "GET",
    url: `/files/${fileId}`,
    code: "precondition_failed",
    message: `file ${fileId} has etag ${file.etag}, not ${ifMatch} (ifMatch): nothing was sent`,
  });
}
