/**
 * When a commit's outcome is unknown, look before giving up: for a new version, the file's current
 * version carries our SHA-1 and is not the version the file had when we committed; for a new file,
 * a preflight names a file of that name with our SHA-1. Then the upload went through, once, and
 * its file is the result. Anything else (Box still processing, no such file, the lookup failing)
 * leaves the CommitUncertainError as it was: never a guess, never a second upload.
 */
import type { BoxFile } from "../api/boxApi";
import type { CommitUncertainError } from "../core/errors";
import { conflictWithSha1 } from "./direct";
import type { UploadApi } from "./ports";
import type { UploadTarget } from "./resume";
import { linkedSignal } from "../core/linkedSignal";

const FIELDS = ["sha1", "size", "name", "file_version", "parent", "etag"];

export async function resolveUncertain(
  api: UploadApi,
  target: UploadTarget,
  err: CommitUncertainError,
  versionBefore: string | undefined,
  signal: AbortSignal | undefined,
): Promise<BoxFile | undefined> {
  // A caller's abort means "stop now", not "look around first"; and the look is bounded.
  if (err.reason === "aborted" || !err.sha1 || signal?.aborted) return undefined;
  const linked = linkedSignal([signal], 30_000);
  const call = { signal: linked.signal };
  try {
    if (target.kind === "version") {
      if (versionBefore === undefined) return undefined;
      const file = await api.getFile(target.fileId, FIELDS, call);
      return file.sha1 === err.sha1 && file.file_version?.id !== undefined && file.file_version.id !== versionBefore ? file : undefined;
    }
    try {
      await api.preflightUpload({ name: target.fileName, folderId: target.folderId, size: 0 }, call);
      return undefined; // no file of that name: the commit did not make one
    } catch (conflict) {
      const id = conflictWithSha1(conflict, err.sha1);
      return id === undefined ? undefined : await api.getFile(id, FIELDS, call);
    }
  } catch {
    return undefined;
  } finally {
    linked.dispose();
  }
}
