/**
 * The checks on a part, in one place: whether what Box lists for a part is the part we mean,
 * whether an acknowledgement matches what was sent, a part read again and checked against what
 * was hashed before, and the one error for a source whose bytes are not what they were.
 */
import type { UploadPart } from "../api/boxApi";
import { sha1Hex } from "../core/digest";
import { BoxProtocolError, SourceChangedError } from "../core/errors";
import type { PartRange } from "../core/partPlan";
import { untilAborted } from "../core/sleep";
import type { BudgetSlot } from "./budget";
import type { UploadPlatform } from "./ports";
import type { PartReader } from "./sources";

/**
 * What a part's bytes are checked by when they are read again: the SHA-1 they were sent or
 * hashed with, or, for a part only asked about in a plan, the SHA-512 it was asked by.
 */
export type PartCheck = { sha1: string; sha512?: undefined } | { sha512: string; sha1?: undefined };

/**
 * Whether a part Box lists (or a resume record names) is `part` with these bytes. Box's sha1 is
 * optional in the spec; where it is missing the size must do, and the whole-file digest at commit
 * still guards the content.
 */
export function holds(listed: UploadPart, part: PartRange, sha1: string | undefined): boolean {
  return sameRange(listed, part) && (listed.sha1 === undefined || listed.sha1 === sha1);
}

/** Whether what Box lists (or a record keeps) for a part has `part`'s offset and size. */
function sameRange(listed: UploadPart, part: PartRange): boolean {
  return listed.offset === part.offset && listed.size === part.size;
}

/** The source's bytes at `part` are not the ones hashed or held before: the file changed meanwhile. */
export function sourceChanged(part: PartRange): SourceChangedError {
  return new SourceChangedError(`part at offset ${part.offset} is not what it was when the upload began; the source changed during the upload`);
}

/**
 * Throws sourceChanged unless `held` (what Box holds for the part, or a hit a resume record kept)
 * holds the bytes just hashed: by SHA-512 where the hit was kept by it, else by SHA-1.
 */
export function assertHeld(held: UploadPart & { sha512?: string }, part: PartRange, hashed: { sha1?: string; sha512?: string }): void {
  const same =
    held.sha512 !== undefined
      ? sameRange(held, part) && hashed.sha512 === held.sha512
      : hashed.sha1 !== undefined && holds(held, part, hashed.sha1);
  if (!same) throw sourceChanged(part);
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

/**
 * The parts of `parts` that `listed` (Box's part list, by offset) does not hold as `checkOf` knows
 * them: by SHA-1, or (a plan's hit, known to us by the SHA-512 Box matched at this offset and size)
 * by offset and size.
 */
export function notHeld(parts: readonly PartRange[], listed: Map<number, UploadPart>, checkOf: (part: PartRange) => PartCheck | undefined): PartRange[] {
  return parts.filter((part) => {
    const have = listed.get(part.offset);
    const check = checkOf(part);
    if (!have || !check) return true;
    return check.sha1 !== undefined ? !holds(have, part, check.sha1) : !sameRange(have, part);
  });
}

/**
 * Reads `part` of `source` again (into `slot` when given) and checks it is what was hashed before:
 * by its SHA-1, or by the SHA-512 a plan was asked with (its SHA-1 is then made here, for the send).
 * A slot's buffer moves to the SHA-512 thread and back where the platform has one (Node); else
 * Web Crypto copies the part (a rewritten file's first parts, read again this way, held 29 to 37 MB
 * more at peak through that copy in the 512 MiB bench).
 */
export async function readAgain(
  source: PartReader,
  platform: Pick<UploadPlatform, "sha1" | "sha512" | "movingSha512">,
  part: PartRange,
  check: PartCheck,
  signal: AbortSignal | undefined,
  slot?: BudgetSlot,
): Promise<{ bytes: Uint8Array; sha1: string }> {
  if (!source.seekable) throw new BoxProtocolError(`the part at offset ${part.offset} must be sent again and a stream cannot be read twice`);
  const into = slot && !source.zeroCopy ? slot.buffer(part.size) : undefined;
  let bytes = await untilAborted(source.read(part, into), signal);
  if (check.sha1 !== undefined) {
    const sha1 = sha1Hex(platform.sha1, bytes);
    if (sha1 !== check.sha1) throw sourceChanged(part);
    return { bytes, sha1 };
  }
  const moving = into ? platform.movingSha512 : undefined;
  // Web Crypto copies the bytes when called: its digest runs beside the SHA-1 below.
  let sha512 = moving ? undefined : platform.sha512?.(bytes);
  sha512?.catch(() => undefined); // awaited below
  const sha1 = sha1Hex(platform.sha1, bytes);
  if (moving) {
    const moved = moving(bytes);
    moved.hex.catch(() => undefined); // awaited below, once the buffer is back
    bytes = await untilAborted(moved.back, signal);
    slot!.adopt(bytes);
    sha512 = moved.hex;
  }
  if (sha512 === undefined || (await untilAborted(sha512, signal)) !== check.sha512) throw sourceChanged(part);
  return { bytes, sha1 };
}
