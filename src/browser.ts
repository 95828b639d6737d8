/**
 * The public API in browsers (package.json `exports` condition "browser", built by
 * scripts/build.mjs into dist/browser/index.js): the same names as the Node entry (src/index.ts),
 * with the browser's client. Nothing in this graph imports a `node:` module.
 */
export { BoxUploadClient, type BoxUploadClientOptions, type BrowserUploadOptions } from "./client/browserClient";
export { BOX_API_BASE_URL, BOX_UPLOAD_BASE_URL } from "./api/origins";
export type { SessionEndpoint } from "./api/origins";
export type {
  BoxClientOptions,
  BoxFile,
  ByteSource,
  DirectCallOptions,
  Folder,
  FolderItem,
  RequestEvent,
  CallOptions,
  CommitInput,
  CommitResult,
  Schemas,
  SessionInput,
  UploadPart,
  UploadPartInput,
  UploadParts,
  UploadSession,
} from "./api/boxApi";
export type { AccessToken, ClientCredentialsAuth, RefreshTokenAuth, TokenOption, TokenProvider, TokenReason } from "./api/auth";
export {
  BoxApiError,
  BoxInputError,
  BoxNetworkError,
  BoxProtocolError,
  BoxUploadError,
  CommitUncertainError,
  SourceChangedError,
  SourceError,
  UploadAbortedError,
  type CommitUncertainty,
} from "./core/errors";
export { CHUNKED_MIN_SIZE, DEFAULT_CONCURRENCY, MAX_CONCURRENCY, type UploadOptions, type UploadProgress } from "./upload/options";
export type { UploadSource } from "./upload/sources";
export type { RetryOptions } from "./core/retry";
export { contentRange, planParts, type PartRange } from "./core/partPlan";
export { VERSION } from "./core/version";
