/**
 * SHA-1 in the browser through hash-wasm (WebCrypto has no incremental SHA-1). The uploader's
 * Sha1Factory is synchronous, and hash-wasm makes hashers asynchronously (it instantiates
 * WebAssembly), so one instance is loaded once (`loadSha1`) and every hasher made afterwards
 * keeps its own saved state and loads it into that instance for each update: a few hundred
 * bytes copied per update, the same digests as separate instances. On the main thread this is
 * used for small work only (the resume fingerprint, direct uploads when no worker is available);
 * the parts of a chunked upload are hashed in a worker (sha1Worker.ts).
 */
import { createSHA1, type IHasher } from "hash-wasm";
import type { Sha1Factory } from "../../core/digest";

let shared: IHasher | undefined;
let loading: Promise<void> | undefined;

/** Loads the WebAssembly hasher once; the factory below works after this resolves. */
export function loadSha1(): Promise<void> {
  loading ??= createSHA1().then((h) => {
    shared = h;
  });
  return loading;
}

export const wasmSha1: Sha1Factory = () => {
  const h = shared;
  if (!h) throw new Error("SHA-1 used before loadSha1() resolved");
  h.init();
  let state = h.save();
  return {
    update(bytes) {
      h.load(state);
      h.update(bytes);
      state = h.save();
    },
    hex() {
      h.load(state);
      return h.digest("hex");
    },
  };
};
