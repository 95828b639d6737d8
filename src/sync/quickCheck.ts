/**
 * The quick check, as git's index, restic and rsync make it: a file whose identity is what it was
 * when it was last hashed, and whose Box item still has the SHA-1 it had then, is the same file:
 * skipped without reading a byte. The identity is whatever changes when content can have changed:
 * size, modification and change times in nanoseconds, inode and device (a file rewritten with its
 * old mtime put back still gets a new ctime). Anything else is hashed, as without an index:
 *   - a platform that gives no inode (0) or no change time: no quick check at all;
 *   - git's "racy" rule: an entry recorded within the file system's timestamp granularity of the
 *     file's own mtime cannot tell a later write in the same tick, so it is hashed again (and then
 *     recorded anew, clean).
 */
import type { IndexEntry, LocalIdentity } from "./ports";
import type { RemoteItem } from "./remote";

/** Coarsest timestamps in common use (FAT, some NAS): 2 s. Finer file systems lose only a re-hash. */
export const RACY_NS = 2_000_000_000n;

/** Whether the platform's identity of a file can be trusted to change with its content. */
export function reliable(identity: LocalIdentity | undefined): identity is LocalIdentity {
  return identity !== undefined && identity.ino !== "0" && identity.ctimeNs !== "0" && identity.mtimeNs !== "0";
}

/** True when `entry` says the file is unchanged since it was hashed, and Box's item is still what it became. */
export function unchanged(entry: IndexEntry | undefined, identity: LocalIdentity | undefined, remote: RemoteItem): boolean {
  if (!entry || !reliable(identity)) return false;
  if (entry.size !== identity.size || entry.mtimeNs !== identity.mtimeNs || entry.ctimeNs !== identity.ctimeNs) return false;
  if (entry.ino !== identity.ino || entry.dev !== identity.dev) return false;
  if (BigInt(entry.mtimeNs) >= BigInt(entry.recordedNs) - RACY_NS) return false;
  return entry.boxId === remote.id && remote.sha1 !== undefined && entry.sha1 === remote.sha1 && (remote.size === undefined || remote.size === identity.size);
}

/** The entry for a file hashed (or uploaded) with this identity, now. */
export function entryFor(identity: LocalIdentity, sha1: string, boxId: string): IndexEntry {
  return { ...identity, sha1, boxId, recordedNs: String(BigInt(Date.now()) * 1_000_000n) };
}
