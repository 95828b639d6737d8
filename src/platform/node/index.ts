/** The Node runtime's pieces: node:http transport, files on disk, node:crypto SHA-1, state files. */
import type { ApiPlatform } from "../../api/boxApi";
import { VERSION } from "../../core/version";
import type { UploadPlatform } from "../../upload/ports";
import { FileReader } from "./fileSource";
export { nodeSyncPlatform } from "./localTree";
import { nodeSha1, nodeSha512, nodeSha512Here } from "./sha1";
import { sha512Thread } from "./sha512Thread";
import { StateFile } from "./stateFile";
import { createNodeTransport } from "./transport";

export const nodeApiPlatform: ApiPlatform = {
  createTransport: createNodeTransport,
  userAgent: `box-chunked-upload/${VERSION} node/${process.versions.node}`,
};

export const nodeUploadPlatform: UploadPlatform = {
  openFile: (path, declared) => FileReader.open(path, declared),
  sha1: nodeSha1,
  sha512: nodeSha512,
  movingSha512: (bytes) => sha512Thread().digest(bytes),
  hereSha512: nodeSha512Here,
  stateStore: (path) => new StateFile(path),
};
