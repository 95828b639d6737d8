/**
 * SHA-1 through node:crypto. Synchronous on purpose: WebCrypto's async digest runs on the thread
 * pool but copies the part first; measured here it cost 0.85 CPU-s/GiB against 0.56 for this.
 */
import { createHash } from "node:crypto";
import { webCryptoSha512, type HereSha512, type PartSha512, type Sha1Factory } from "../../core/digest";

export const nodeSha1: Sha1Factory = () => {
  const hash = createHash("sha1");
  return {
    update: (bytes) => void hash.update(bytes),
    hex: () => hash.digest("hex"),
  };
};

/**
 * SHA-512 for upload plans through Web Crypto: it copies the part (so its buffer is free at once)
 * and hashes it on libuv's thread pool, beside this thread's SHA-1. Measured here on 8 MiB parts:
 * 813 MiB/s in line on one core; 707 MiB/s one at a time through Web Crypto, 1,159 MiB/s two at a
 * time; 669 MiB/s with two SHA-1s of the same parts on this thread (as the pass hashed then).
 * Where a part's buffer may move, a worker thread takes it instead (sha512Thread.ts).
 */
export const nodeSha512: PartSha512 = webCryptoSha512;

/** SHA-512 on this thread, for a part while the SHA-512 thread is behind (core/digest.ts inlineHasher). */
export const nodeSha512Here: HereSha512 = (bytes) => createHash("sha512").update(bytes).digest("hex");
