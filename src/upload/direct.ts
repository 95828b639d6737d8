/**
 * Files below the chunked threshold go up in one multipart request (Box's direct upload), with
 * the SHA-1 in Content-MD5 so Box refuses bytes that do not match. The source is read twice (once
 * to hash, once to send, in 1 MiB slices); a stream, which cannot be read twice, is first held in
 * memory, which the threshold bounds. A new file is preflighted first, so a name conflict or a
 * full quota fails before any byte is sent. A request whose answer was lost is never blindly
 * repeated: we first look whether it landed (landed.ts).
 */
import type { BoxFile } from "../api/boxApi";
import type { ByteSource } from "../api/multipart";
import { BoxProtocolError, UploadAbortedError } from "../core/errors";
import { mayHaveSucceeded, withRetry } from "../core/retry";
import { untilAborted } from "../core/sleep";
import type { UploadJob } from "./job";
import { landed } from "./landed";
import type { UploadDeps, UploadPlatform } from "./ports";
import { hasherFor } from "./partSources";
import { openSource, type PartReader } from "./sources";

/** Bytes read (and hashed, and sent) at a time by the direct path; also sync's hashing slice. */
export const SLICE = 1024 * 1024;

/** The bytes of a source, read in slices; a stream is gathered first (it is below the threshold). */
async function readable(reader: PartReader, signal: AbortSignal | undefined): Promise<PartReader> {
  if (reader.seekable) return reader;
  // A stream that stalls, or never ends after its last byte, must still let an abort through.
  const all = await untilAborted(reader.read({ index: 0, offset: 0, size: reader.size }), signal);
  await untilAborted(reader.finish(), signal);
  return openSource(all, reader.size, () => Promise.reject(new Error("unreachable")));
}

/**
 * SHA-1 of a whole source, read in 1 MiB slices (in the platform's worker when it has one). A
 * `signal` is checked before each slice: hashing a large file for a comparison can take a while.
 */
export async function sha1Of(source: ByteSource, platform: UploadPlatform, transfer: boolean, signal?: AbortSignal): Promise<string> {
  const slice = (offset: number) => {
    signal?.throwIfAborted();
    return source.read(offset, Math.min(SLICE, source.size - offset));
  };
  const hasher = hasherFor(platform);
  try {
    for (let offset = 0; offset < source.size; offset += SLICE) await hasher.feed(offset, await slice(offset), transfer);
    return await hasher.whole();
  } finally {
    hasher.close();
  }
}

export async function uploadDirect(deps: UploadDeps, job: UploadJob): Promise<BoxFile> {
  const { api, platform } = deps;
  const { target, signal } = job;
  // Whatever an abort breaks on its way out is reported as the abort.
  const asAbort = (err: unknown) => {
    throw signal?.aborted ? new UploadAbortedError(undefined, { cause: signal.reason }) : err;
  };
  const reader = await readable(job.source, signal).catch(asAbort);
  const source: ByteSource = { size: reader.size, read: (offset, size) => reader.read({ index: -1, offset, size }) };
  // Slices of a copying reader are fresh buffers, free to move to a worker and not come back.
  const sha1 = job.sha1 ?? (await sha1Of(source, platform, !reader.zeroCopy, signal).catch(asAbort));
  const call = (ctx: { signal: AbortSignal }) => ({ signal: ctx.signal });
  const retried = <T>(task: (ctx: { signal: AbortSignal; lastError: unknown }) => Promise<T>) => withRetry(job.run.retry, task, signal ? { signal } : {});

  // Monotonic like the chunked events (a resent body does not move the count back), and told only
  // when a count moved.
  let sentMax = 0;
  let ackedMax = 0;
  let told = false;
  const progress = (sent: number, acked: number, last = false) => {
    if (sent <= sentMax && acked <= ackedMax && !(last && !told)) return;
    told = true;
    sentMax = Math.max(sentMax, sent);
    ackedMax = Math.max(ackedMax, acked);
    job.onProgress?.({ sessionId: "", bytesUploaded: acked, bytesSent: sentMax, bytesResumed: 0, bytesPlanned: 0, resumedParts: 0, totalBytes: reader.size, partsUploaded: acked ? 1 : 0, totalParts: 1 });
  };

  let before: string | undefined;
  let currentName: string | undefined;
  if (target.kind === "new") {
    if (job.preflight) await retried((ctx) => api.preflightUpload({ name: target.fileName, folderId: target.folderId, size: reader.size }, call(ctx)));
  } else {
    const now = await retried((ctx) => api.getFile(target.fileId, ["file_version", "sha1", "name"], call(ctx)));
    before = now.file_version?.id;
    // Box's description requires a name in a version's attributes: the new one, or the current.
    currentName = now.name;
  }
  const name = job.fileName ?? currentName;

  const file = await retried(async (ctx) => {
    // An answer lost after the body may have reached Box: look before sending it again.
    if (ctx.lastError !== undefined && mayHaveSucceeded(ctx.lastError)) {
      const found = await landed(api, target, { sha1, size: reader.size, versionBefore: before }, call(ctx));
      if (found) return found;
    }
    const report = (sent: number) => progress(sent, 0);
    return target.kind === "new"
      ? api.uploadFile(target.folderId, target.fileName, source, sha1, { ...call(ctx), onBodySent: report, times: job.times })
      : api.uploadFileVersion(
          target.fileId,
          source,
          sha1,
          { ...(name ? { fileName: name } : {}), ...(job.ifMatch ? { ifMatch: job.ifMatch } : {}), times: job.times },
          { ...call(ctx), onBodySent: report },
        );
  }).catch(asAbort);
  if (file.sha1 !== sha1) throw new BoxProtocolError(`Box stored SHA-1 ${file.sha1}, we uploaded ${sha1}`);
  progress(reader.size, reader.size, true);
  return file;
}
