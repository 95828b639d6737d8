/**
 * "Did it land?": the one lookup for an upload whose outcome we did not see (an answer lost to a
 * dropped connection or a 5xx, a commit whose session is gone). A new version landed when the
 * file's current version carries our SHA-1 and is not the version it had before we sent; a new
 * file landed when a preflight of its name answers 409 naming a file with our SHA-1. Then it went
 * through, once, and that file is the result: never a guess, never a second upload.
 */
import type { BoxFile, CallOptions } from "../api/boxApi";
import { conflictsOf } from "../api/apiError";
import { linkedSignal } from "../core/linkedSignal";
import type { UploadApi } from "./ports";
import type { UploadTarget } from "./resume";

/** What the result of an upload carries, as the upload's own answer would. */
const FIELDS = ["sha1", "size", "name", "file_version", "parent", "etag"];

/** The id of an item in a 409's `context_info.conflicts` that holds these bytes, if one does. */
export function conflictWithSha1(err: unknown, sha1: string): string | undefined {
  const match = conflictsOf(err).find((c) => c && typeof c === "object" && (c as { sha1?: unknown }).sha1 === sha1 && typeof (c as { id?: unknown }).id === "string");
  return match ? (match as { id: string }).id : undefined;
}

/**
 * The file our upload made, or undefined when it did not land. `versionBefore` is the file's
 * version id before we sent; when it is unknown, a current version with our SHA-1 counts as ours:
 * the file then holds exactly our bytes, which is what was asked, and sending them again could
 * only make a second, identical version. A lookup that fails rejects: the caller decides.
 */
export async function landed(
  api: Pick<UploadApi, "getFile" | "preflightUpload">,
  target: UploadTarget,
  expect: { sha1: string; size: number; versionBefore: string | undefined },
  call: CallOptions,
): Promise<BoxFile | undefined> {
  if (target.kind === "version") {
    const file = await api.getFile(target.fileId, FIELDS, call);
    const changed = expect.versionBefore === undefined || file.file_version?.id !== expect.versionBefore;
    return file.sha1 === expect.sha1 && changed ? file : undefined;
  }
  try {
    await api.preflightUpload({ name: target.fileName, folderId: target.folderId, size: expect.size }, call);
    return undefined; // the name is free: nothing of ours is there
  } catch (err) {
    const id = conflictWithSha1(err, expect.sha1);
    if (id === undefined) throw err;
    return api.getFile(id, FIELDS, call);
  }
}

/** The version id a file has now (versions only; bounded, and undefined when it cannot be read). */
export function currentVersion(api: Pick<UploadApi, "getFile">, target: UploadTarget, signal: AbortSignal | undefined): Promise<string | undefined> | undefined {
  if (target.kind !== "version") return undefined;
  const linked = linkedSignal([signal], 30_000);
  return api
    .getFile(target.fileId, ["file_version"], { signal: linked.signal })
    .then(
      (f) => f.file_version?.id,
      () => undefined,
    )
    .finally(() => linked.dispose());
}
