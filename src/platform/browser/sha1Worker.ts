/**
 * The hash worker: per-part digests (SHA-1, or SHA-512 for a part an upload plan is asked about)
 * and the whole file's incremental SHA-1, off the page's main thread. Parts arrive transferred
 * (their buffer moves here, no copy) and go back the same way once hashed. Messages are handled strictly in arrival order, so the whole-file digest sees
 * the parts in file order, as the pipeline sends them. Built into its own file (and inlined into
 * the browser bundle) by scripts/build.mjs.
 */
import { createSHA1, type IHasher } from "hash-wasm";
import { hexOf } from "../../core/digest";
import type { HashReply, HashRequest } from "./hashProtocol";

interface Scope {
  onmessage: ((event: MessageEvent<HashRequest>) => void) | null;
  postMessage(message: HashReply, transfer?: Transferable[]): void;
}
const scope = globalThis as unknown as Scope;

/** One hasher per upload's whole-file digest, and the offset it expects next. */
const wholes = new Map<number, { hash: IHasher; next: number }>();
let partHasher: IHasher | undefined;
let queue: Promise<void> = Promise.resolve();

async function handle(m: HashRequest): Promise<HashReply> {
  if (m.op === "drop") {
    wholes.delete(m.stream);
    return { id: m.id };
  }
  let whole = wholes.get(m.stream);
  if (!whole) {
    whole = { hash: (await createSHA1()).init(), next: 0 };
    wholes.set(m.stream, whole);
  }
  if (m.op === "whole") {
    wholes.delete(m.stream);
    return { id: m.id, sha1: whole.hash.digest("hex") };
  }
  const bytes = new Uint8Array(m.buffer, m.byteOffset, m.length);
  // Web Crypto copies the bytes when called, and hashes them while the SHA-1 below runs here.
  const sha512 = m.sha512 ? crypto.subtle.digest("SHA-512", bytes) : undefined;
  sha512?.catch(() => undefined); // awaited below, unless SHA-1 fails first
  if (m.offset !== whole.next) throw new Error(`whole-file SHA-1 fed out of order: ${m.offset} after ${whole.next}`);
  whole.hash.update(bytes);
  whole.next += bytes.byteLength;
  // A part asked about in a plan is known by its SHA-512 alone (core/digest.ts).
  let sha1: string | undefined;
  if (m.own && !m.sha512) {
    partHasher ??= await createSHA1();
    sha1 = partHasher.init().update(bytes).digest("hex");
  }
  return { id: m.id, buffer: m.buffer, ...(sha1 ? { sha1 } : {}), ...(sha512 ? { sha512: hexOf(await sha512) } : {}) };
}

scope.onmessage = (event) => {
  const m = event.data;
  queue = queue.then(async () => {
    try {
      const reply = await handle(m);
      scope.postMessage(reply, reply.buffer ? [reply.buffer] : []);
    } catch (err) {
      // The bytes go back even on failure: the caller owns them.
      const back = m.op === "part" ? { buffer: m.buffer } : {};
      scope.postMessage({ id: m.id, error: String((err as Error)?.message ?? err), ...back }, back.buffer ? [back.buffer] : []);
    }
  });
};
