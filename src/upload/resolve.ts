/**
 * When a commit's outcome is unknown, look before giving up (landed.ts). Anything but a file that
 * carries our bytes (Box still processing, no such file, the lookup failing) leaves the
 * CommitUncertainError as it was.
 */
import type { BoxFile } from "../api/boxApi";
import type { CommitUncertainError } from "../core/errors";
import { linkedSignal } from "../core/linkedSignal";
import { landed } from "./landed";
import type { UploadApi } from "./ports";
import type { UploadTarget } from "./resume";

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
  try {
    // A preflight's size does not change whether the name is taken: 0 asks the least of it.
    return await landed(api, target, { sha1: err.sha1, size: 0, versionBefore }, { signal: linked.signal });
  } catch {
    return undefined;
  } finally {
    linked.dispose();
  }
}
