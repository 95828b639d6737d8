/**
 * SHA-1 as Box reports it (lowercase hex), computed with node:crypto directly rather than with the
 * client's own hashing, so checks against it are independent of the code under test.
 */
import { createHash } from "node:crypto";

export function sha1(bytes: Uint8Array): string {
  return createHash("sha1").update(bytes).digest("hex");
}
