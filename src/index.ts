/** The public API (Node entry). Everything a user needs, and nothing else. */
export { BoxUploadClient } from "./client/uploadClient";
export { BOX_UPLOAD_BASE_URL } from "./api/origins";
export type { SessionEndpoint } from "./api/origins";
export type {
  BoxClientOptions,
  BoxFile,
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
export type { TokenOption, TokenProvider } from "./api/auth";
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
export { DEFAULT_CONCURRENCY, MAX_CONCURRENCY, type UploadOptions, type UploadProgress } from "./upload/options";
export type { UploadSource } from "./upload/sources";
export type { RetryOptions } from "./core/retry";
export { contentRange, planParts, type PartRange } from "./core/partPlan";
export { VERSION } from "./core/version";
