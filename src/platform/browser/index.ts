/**
 * The browser's pieces: fetch transport, Files and Blobs (no paths), hash-wasm SHA-1 (parts in a
 * worker), resume state in IndexedDB. Nothing here, nor below it, imports a `node:` module; the
 * build checks that for the whole browser graph.
 */
import type { ApiPlatform } from "../../api/types";
import { webCryptoSha512 } from "../../core/digest";
import { BoxInputError } from "../../core/errors";
import { VERSION } from "../../core/version";
import type { UploadPlatform } from "../../upload/ports";
import { wasmSha1 } from "./sha1";
import { IndexedDbStateStore } from "./stateStore";
import { createBrowserTransport } from "./transport";
import type { Sha1Worker } from "./workerHasher";

export { loadSha1, wasmSha1 } from "./sha1";
export { Sha1Worker } from "./workerHasher";

export const browserApiPlatform: ApiPlatform = {
  createTransport: createBrowserTransport,
  // Never sent: the transport drops User-Agent (see transport.ts). Kept for the interface.
  userAgent: `box-chunked-upload/${VERSION} browser`,
};

export function browserUploadPlatform(worker: Sha1Worker | undefined): UploadPlatform {
  return {
    openFile: async () => {
      throw new BoxInputError("source", "a path names a file on disk, which a browser cannot open: pass a File, Blob or Uint8Array");
    },
    sha1: wasmSha1,
    // Web Crypto only in a secure context (https, localhost): elsewhere the client never plans.
    ...(globalThis.crypto?.subtle ? { sha512: webCryptoSha512 } : {}),
    stateStore: (key) => new IndexedDbStateStore(key),
    ...(worker ? { partHasher: () => worker.hasher() } : {}),
  };
}

/** The worker's source, inlined into the browser bundle by scripts/build.mjs (undefined elsewhere). */
declare const __BOX_SHA1_WORKER_SOURCE__: string | undefined;

/**
 * Where parts are hashed: `undefined` (default) a worker made from the source inlined in the
 * bundle (a blob: URL); a URL of `sha1Worker.js` (for a Content-Security-Policy without blob:
 * workers); `false` on the calling thread.
 */
export type Sha1WorkerOption = false | string | URL | undefined;

export function workerSpawner(option: Sha1WorkerOption): { spawn: () => Worker; dispose: () => void } | undefined {
  if (option === false || typeof Worker === "undefined") return undefined;
  if (option !== undefined) {
    if (typeof option !== "string" && !(option instanceof URL)) throw new BoxInputError("sha1Worker", "must be false, or the URL of sha1Worker.js");
    return { spawn: () => new Worker(option, { type: "module" }), dispose: () => {} };
  }
  if (typeof __BOX_SHA1_WORKER_SOURCE__ === "undefined") return undefined;
  let url: string | undefined;
  return {
    spawn: () => {
      url ??= URL.createObjectURL(new Blob([__BOX_SHA1_WORKER_SOURCE__], { type: "text/javascript" }));
      return new Worker(url, { type: "module" });
    },
    dispose: () => {
      if (url) URL.revokeObjectURL(url);
      url = undefined;
    },
  };
}
