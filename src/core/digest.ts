/**
 * SHA-1 in the shapes Box uses (`Digest: sha=<base64>` on the wire, lowercase hex in JSON), and
 * the interface a platform's SHA-1 implements. Nothing here depends on Node or a browser: the
 * hasher itself is injected (node:crypto in Node; a WebAssembly hasher in a browser build).
 */

/** An incremental SHA-1: fed bytes in order, asked once for the lowercase hex digest. */
export interface Sha1Hasher {
  update(bytes: Uint8Array): void;
  hex(): string;
}

/** Makes a fresh hasher. Synchronous on purpose: see platform/node/sha1.ts for the measurement. */
export type Sha1Factory = () => Sha1Hasher;

/**
 * SHA-1 off the calling thread for one upload (a browser's worker): bytes in file order, then
 * the whole file's digest. With `transfer` the bytes' buffer moves to the other thread and back,
 * so the caller must use the returned view; without it (memory the caller's caller owns) they
 * are copied. Node has none: its synchronous node:crypto path stays as it is.
 */
export interface PartHasher {
  /** Adds a part to the whole-file digest and returns the part's own SHA-1. */
  part(offset: number, bytes: Uint8Array, transfer: boolean): Promise<{ sha1: string; bytes: Uint8Array }>;
  /** Adds bytes to the whole-file digest only. */
  feed(offset: number, bytes: Uint8Array, transfer: boolean): Promise<Uint8Array>;
  whole(): Promise<string>;
  /** Drops the digest in progress (after a failure); a no-op after whole(). */
  close(): void;
}

export function sha1Hex(create: Sha1Factory, bytes: Uint8Array): string {
  const hasher = create();
  hasher.update(bytes);
  return hasher.hex();
}

/** Value of the `Digest` header for a SHA-1 given in hex. */
export function digestHeader(sha1hex: string): string {
  let binary = "";
  for (let i = 0; i < sha1hex.length; i += 2) binary += String.fromCharCode(parseInt(sha1hex.slice(i, i + 2), 16));
  return `sha=${btoa(binary)}`;
}

/** Incremental SHA-1 of a whole file, fed part by part in file order; holds no file data. */
export class WholeFileSha1 {
  private readonly hash: Sha1Hasher;
  private next = 0;

  constructor(create: Sha1Factory) {
    this.hash = create();
  }

  update(offset: number, bytes: Uint8Array): void {
    if (offset !== this.next) throw new Error(`whole-file SHA-1 fed out of order: ${offset} after ${this.next}`);
    this.hash.update(bytes);
    this.next += bytes.byteLength;
  }

  hex(): string {
    return this.hash.hex();
  }
}
