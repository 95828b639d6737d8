/** The public API (Node entry). Everything a user needs, and nothing else. */
export { BoxUploadClient, type BoxUploadClientOptions } from "./client/uploadClient";
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
export { DEFAULT_TRANSFERS, MAX_TRANSFERS, type OnConflict, type SyncAction, type SyncEvent, type SyncOptions, type SyncProgress, type SyncSummary } from "./sync/options";
export type { RetryOptions } from "./core/retry";
export { contentRange, planParts, type PartRange } from "./core/partPlan";
export { VERSION } from "./core/version";
