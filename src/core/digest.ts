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
 * The hashes of one upload: each part's own digest (its SHA-1, or its SHA-512 when a plan asks),
 * and the whole file's SHA-1 over the bytes in file order. A browser hashes in its worker: with `transfer` the bytes' buffer moves
 * there and back, so the caller must use the returned view; without it (memory the caller's caller
 * owns) they are copied. Node hashes SHA-1 in line (inlineHasher).
 */
export interface PartHasher {
  /**
   * Adds a part to the whole-file digest and returns the part's own digest: its SHA-1, or with
   * `sha512` (a part the plan is asked about, known by its SHA-512 from then on) its SHA-512 alone,
   * which may still be running when this resolves (the bytes are free to reuse then).
   */
  part(offset: number, bytes: Uint8Array, transfer: boolean, sha512?: boolean): Promise<HashedPart>;
  /** Adds bytes to the whole-file digest only. */
  feed(offset: number, bytes: Uint8Array, transfer: boolean): Promise<Uint8Array>;
  whole(): Promise<string>;
  /** Drops the digest in progress (after a failure); a no-op after whole(). */
  close(): void;
}

/** A part hashed: its SHA-1, or (asked with `sha512`) its SHA-512 instead. */
export type HashedPart = { bytes: Uint8Array } & (
  | { sha1: string; sha512?: undefined; back?: undefined }
  | {
      sha1?: undefined;
      sha512: Promise<string>;
      /** When the bytes' buffer moved away for SHA-512 (`bytes` is then detached): the view it comes back in. */
      back?: Promise<Uint8Array>;
    }
);

/** SHA-512 that moves a buffer it may take (`movable`) to another thread and back, instead of copying it. */
export type MovingSha512 = (bytes: Uint8Array) => { hex: Promise<string>; back: Promise<Uint8Array> };

/** A part's SHA-512 in hex, off the calling thread where the runtime can (Web Crypto's digest). */
export type PartSha512 = (bytes: Uint8Array) => Promise<string>;

/** A part's SHA-512 in hex on the calling thread (node:crypto): for when the SHA-512 thread is behind. */
export type HereSha512 = (bytes: Uint8Array) => string;

/**
 * Parts one hasher keeps on the SHA-512 thread at once; the next one is hashed here instead. Per
 * 8 MiB part SHA-512 takes about 10 ms and the whole file's SHA-1 4.4 ms here, so with every part
 * sent there the thread alone bounds the pass, and this one idles half the time. Measured on a new
 * version of 512 MiB with 1 MiB changed, six runs each, alternating: median 1.24 s against 1.32 s.
 */
const AWAY_AT_ONCE = 2;

/**
 * SHA-1 on the calling thread, SHA-512 beside it so the second core works while this thread reads
 * and SHA-1s the next part: through `moving` (a thread the buffer moves to) when the caller may
 * give the buffer away (`transfer`), and `here` while that thread is behind; else through
 * `sha512` (Web Crypto, which copies the part).
 * A part asked about gets no SHA-1 of its own: it is known by its SHA-512 (a miss read again is
 * checked by it), and its SHA-1 was a third of the pass's CPU on this thread.
 * Synchronous SHA-1 on purpose: platform/node/sha1.ts.
 */
export function inlineHasher(sha1: Sha1Factory, sha512: PartSha512 | undefined, moving?: MovingSha512, here?: HereSha512): PartHasher {
  const whole = new WholeFileSha1(sha1);
  let away = 0;
  return {
    part: async (offset, bytes, transfer, withSha512) => {
      if (!withSha512) {
        whole.update(offset, bytes);
        return { sha1: sha1Hex(sha1, bytes), bytes };
      }
      if (moving && transfer) {
        // The whole file's SHA-1 first: the buffer then moves to the SHA-512 thread, and this one
        // goes on; unless the thread is behind, when this thread takes the part's SHA-512 too.
        whole.update(offset, bytes);
        if (here && away >= AWAY_AT_ONCE) return { sha512: Promise.resolve(here(bytes)), bytes };
        away++;
        const { hex, back } = moving(bytes);
        const returned = () => void away--;
        back.then(returned, returned);
        return { sha512: hex, bytes, back };
      }
      if (!sha512) throw new Error("no SHA-512 on this platform");
      // Started first: the digest copies the bytes now and runs beside the SHA-1 below.
      const digest = sha512(bytes);
      whole.update(offset, bytes);
      return { sha512: digest, bytes };
    },
    feed: async (offset, bytes) => {
      whole.update(offset, bytes);
      return bytes;
    },
    whole: async () => whole.hex(),
    close: () => {},
  };
}

/** A part's SHA-512 through Web Crypto (Node 20 and browsers in a secure context): it copies the bytes when called. */
export const webCryptoSha512: PartSha512 = async (bytes) => hexOf(await crypto.subtle.digest("SHA-512", bytes as Uint8Array<ArrayBuffer>));

/** Lowercase hex of a digest's bytes. */
export function hexOf(digest: ArrayBuffer): string {
  let out = "";
  for (const b of new Uint8Array(digest)) out += b.toString(16).padStart(2, "0");
  return out;
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
