/** Test data: seeded (replayable) randomness, and random files on disk. */
import { createHash, randomBytes } from "node:crypto";
import { open } from "node:fs/promises";

/** mulberry32: a tiny seeded generator, so every fault schedule can be replayed from its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic pseudo-random bytes, so a failing size can be reproduced exactly. */
export function bytesOf(size: number, seed = size): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed ^ 0x9e3779b9) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const SLICE = 16 * 1024 * 1024;

/** Writes `size` random bytes to `path` and returns their SHA-1, holding one 16 MiB slice at a time. */
export async function writeRandomFile(path: string, size: number): Promise<string> {
  const hash = createHash("sha1");
  const handle = await open(path, "w");
  try {
    for (let written = 0; written < size; ) {
      const chunk = randomBytes(Math.min(SLICE, size - written));
      hash.update(chunk);
      await handle.write(chunk, 0, chunk.byteLength, written);
      written += chunk.byteLength;
    }
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}
