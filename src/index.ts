export { BoxUploadClient, BOX_UPLOAD_BASE_URL } from "./client";
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
} from "./client";
export type { TokenOption, TokenProvider } from "./auth";
export {
  BoxApiError,
  BoxInputError,
  BoxProtocolError,
  CommitUncertainError,
  SourceChangedError,
  SourceError,
  UploadAbortedError,
} from "./errors";
export { DEFAULT_CONCURRENCY, type UploadOptions, type UploadProgress } from "./upload";
export type { UploadSource } from "./source";
export type { RetryOptions } from "./retry";
export { contentRange, planParts, type PartRange } from "./partPlan";
