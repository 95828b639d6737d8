/**
 * The checks on a part, in one place: whether what Box lists for a part is the part we mean,
 * whether an acknowledgement matches what was sent, and the one error for a source whose bytes
 * are not what they were.
 */
import type { UploadPart } from "../api/boxApi";
import { BoxProtocolError, SourceChangedError } from "../core/errors";
import type { PartRange } from "../core/partPlan";

/**
 * Whether a part Box lists (or a plan or resume record names) is `part` with these bytes. Box's
 * sha1 is optional in the spec; where it is missing the size must do, and the whole-file digest
 * at commit still guards the content.
 */
export function holds(listed: UploadPart, part: PartRange, sha1: string | undefined): boolean {
  return listed.offset === part.offset && listed.size === part.size && (listed.sha1 === undefined || listed.sha1 === sha1);
}

/** The source's bytes at `part` are not the ones hashed or held before: the file changed meanwhile. */
export function sourceChanged(part: PartRange): SourceChangedError {
  return new SourceChangedError(`part at offset ${part.offset} is not what it was when the upload began; the source changed during the upload`);
}

/** Throws sourceChanged unless `held` (what Box holds for the part) holds these bytes. */
export function assertHeld(held: UploadPart, part: PartRange, sha1: string): void {
  if (!holds(held, part, sha1)) throw sourceChanged(part);
}

/** Box's acknowledgement of a part must name what we sent. */
export function checkAcknowledgement(uploaded: UploadPart, part: PartRange, sha1: string): void {
  const problems: string[] = [];
  if (typeof uploaded.part_id !== "string" || uploaded.part_id === "") problems.push("no part_id");
  if (uploaded.offset !== part.offset) problems.push(`offset ${uploaded.offset} (sent ${part.offset})`);
  if (uploaded.size !== part.size) problems.push(`size ${uploaded.size} (sent ${part.size})`);
  if (uploaded.sha1 !== undefined && uploaded.sha1 !== sha1) problems.push(`sha1 ${uploaded.sha1} (sent ${sha1})`);
  if (problems.length) {
    throw new BoxProtocolError(`server acknowledged a different part than sent at offset ${part.offset}: ${problems.join(", ")}`);
  }
}

/** The parts of `parts` that `listed` (Box's part list, by offset) does not hold as acknowledged in `ackOf`. */
export function notHeld(parts: readonly PartRange[], listed: Map<number, UploadPart>, ackOf: (part: PartRange) => UploadPart | undefined): PartRange[] {
  return parts.filter((part) => {
    const have = listed.get(part.offset);
    return !have || !holds(have, part, ackOf(part)?.sha1);
  });
}
