/** SHA-1 in the shapes Box uses: `Digest: sha=<base64>` on the wire, lowercase hex in JSON bodies. */
import { createHash } from "node:crypto";

/**
 * SHA-1 of one part, in hex. Synchronous on purpose: WebCrypto's async digest runs on the thread
 * pool but copies the part first; measured here it cost 0.85 CPU-s/GiB against 0.56 for this.
 */
export function sha1Hex(bytes: Uint8Array): string {
  return createHash("sha1").update(bytes).digest("hex");
}

/** Value of the `Digest` header for a SHA-1 given in hex. */
export function digestHeader(sha1hex: string): string {
  return `sha=${Buffer.from(sha1hex, "hex").toString("base64")}`;
}

/** The hex SHA-1 carried by a `Digest: sha=<base64>` header, or undefined when it is not one. */
export function parseDigestHeader(header: string | undefined): string | undefined {
  const m = header && /^sha=([A-Za-z0-9+/]{27}=)$/i.exec(header.trim());
  return m ? Buffer.from(m[1]!, "base64").toString("hex") : undefined;
}

/** Incremental SHA-1 of a whole file, fed part by part in file order; holds no file data. */
export class WholeFileSha1 {
  private readonly hash = createHash("sha1");
  private next = 0;

  update(offset: number, bytes: Uint8Array): void {
    if (offset !== this.next) throw new Error(`whole-file SHA-1 fed out of order: ${offset} after ${this.next}`);
    this.hash.update(bytes);
    this.next += bytes.byteLength;
  }

  hex(): string {
    return this.hash.digest("hex");
  }
}
