/** The public names every runtime shares: operations' types, errors, options, constants. Each entry adds its own client. */
export { BOX_API_BASE_URL, BOX_UPLOAD_BASE_URL } from "./api/origins";
export type { SessionEndpoint } from "./api/origins";
export type {
  BoxClientOptions,
  BoxOperations,
  BoxFile,
  ByteSource,
  DirectCallOptions,
  Folder,
  FolderItem,
  RequestEvent,
  CallOptions,
  CommitInput,
  CommitResult,
  PlanPart,
  UploadSessionPlan,
  ContentTimes,
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
export { CHUNKED_MIN_SIZE, DEFAULT_CONCURRENCY, MAX_CONCURRENCY, type PlanMode, type UploadOptions, type UploadProgress } from "./upload/options";
export type { UploadSource } from "./upload/sources";
export type { RetryEvent, RetryOptions } from "./core/retry";
export { BOX_CALLS_PER_MINUTE, BOX_UPLOADS_PER_MINUTE, type Pacer, type RateLimits, type RequestKind } from "./api/pacer";
export { contentRange, planParts, type PartRange } from "./core/partPlan";
export { VERSION } from "./core/version";
/** The request and response types of every path, as generated from the OpenAPI fragment (`client.api` is typed by them). */
export type { paths as BoxPaths } from "../generated/box-chunked-uploads";
