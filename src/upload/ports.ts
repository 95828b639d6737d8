/**
 * What the upload machinery needs from below, as narrow interfaces: the API operations it calls
 * (so it can run against a fake), and the runtime's pieces (file reading, SHA-1, state files),
 * so a browser, Deno or Bun build swaps them without touching the pipeline.
 */
import type { BoxOperations, CallOptions, UploadSession } from "../api/boxApi";
import type { SessionEndpoint } from "../api/origins";
import type { HereSha512, MovingSha512, PartHasher, PartSha512, Sha1Factory } from "../core/digest";
import type { PartReader } from "./sources";
import type { StateStore } from "./resume";

export type UploadApi = Pick<
  BoxOperations,
  | "createUploadSessionForExistingFile"
  | "createUploadSession"
  | "getUploadSession"
  | "uploadPart"
  | "listAllUploadedParts"
  | "commitUploadSession"
  | "planUploadSession"
  | "abortUploadSession"
  | "uploadFile"
  | "uploadFileVersion"
  | "preflightUpload"
  | "getFile"
> & {
  /** Call options that reach a session's endpoint where Box named one we may use. */
  sessionCall(session: UploadSession, endpoint?: SessionEndpoint): CallOptions;
};

export interface UploadPlatform {
  /** Opens a file by path (Node); a runtime without files throws BoxInputError. */
  openFile(path: string, declaredSize: number | undefined): Promise<PartReader>;
  sha1: Sha1Factory;
  /** A part's SHA-512 (an upload plan names parts by it), off the calling thread; a runtime without one never plans. */
  sha512?: PartSha512;
  /** Hashing off the calling thread (a browser's worker); when absent, `sha1` hashes in line and SHA-512 runs beside it. */
  partHasher?: () => PartHasher;
  /** SHA-512 on another thread that a part's buffer moves to and back (Node), used before `sha512` where the buffer may move. */
  movingSha512?: MovingSha512;
  /** SHA-512 on the calling thread (Node), taken for a part while the `movingSha512` thread is behind. */
  hereSha512?: HereSha512;
  /** The store behind `options.resume.path`. */
  stateStore(path: string): StateStore;
}

/** The two things every upload takes from below, passed together. */
export interface UploadDeps {
  api: UploadApi;
  platform: UploadPlatform;
}
