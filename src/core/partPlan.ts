/**
 * Part arithmetic, kept pure so it can be tested for sizes (4 GiB ± 1, 50 GiB) that no test
 * could allocate. All values are JS numbers, exact up to 2^53 - 1 bytes (8 PiB).
 */
import { BoxProtocolError } from "./errors";

export interface PartRange {
  /** 0-based position of the part in the file. */
  index: number;
  /** First byte of the part. */
  offset: number;
  /** Number of bytes in the part. */
  size: number;
}

/**
 * The most parts a session can have and still be listed: Box refuses list-parts offsets past
 * 10,000, so a session of more could never be resumed or repaired (and Box keeps sessions to a few
 * thousand parts by growing the part size). A plan past this is refused before the first PUT.
 */
export const MAX_PARTS = 10_000;

/**
 * Splits `fileSize` bytes into the parts the session expects. The server chooses `partSize` and
 * announces `totalParts`; when they disagree with each other we stop rather than guess.
 */
export function planParts(fileSize: number, partSize: number, totalParts?: number): PartRange[] {
  if (!Number.isSafeInteger(fileSize) || fileSize <= 0) {
    throw new RangeError(`fileSize must be a positive safe integer, got ${fileSize}`);
  }
  if (!Number.isSafeInteger(partSize) || partSize <= 0) {
    throw new BoxProtocolError(`server announced part_size ${partSize}; expected a positive integer`);
  }
  const count = Math.ceil(fileSize / partSize);
  if (count > MAX_PARTS) {
    throw new BoxProtocolError(`server announced part_size ${partSize}: ${count} parts, more than the ${MAX_PARTS} any real session has`);
  }
  if (totalParts !== undefined && totalParts !== count) {
    throw new BoxProtocolError(
      `server announced total_parts ${totalParts}, but ${fileSize} bytes in parts of ${partSize} make ${count}`,
    );
  }
  const parts: PartRange[] = new Array(count);
  for (let index = 0; index < count; index++) {
    const offset = index * partSize;
    parts[index] = { index, offset, size: Math.min(partSize, fileSize - offset) };
  }
  return parts;
}

/** `bytes first-last/total`, with `last` inclusive as RFC 9110 wants. */
export function contentRange(part: Pick<PartRange, "offset" | "size">, fileSize: number): string {
  return `bytes ${part.offset}-${part.offset + part.size - 1}/${fileSize}`;
}
