/**
 * The public names every runtime shares: the uploader's options and results, its errors, the
 * client's options, constants, and the raw API's types in one namespace (`BoxApiTypes`). Each
 * entry (index.ts for Node, browser.ts) adds its own client. Nothing low-level is here: part
 * arithmetic, pacers' internals and the API layer's pieces stay inside.
 */
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
export type { BoxClientOptions, BoxFile, RequestEvent } from "./api/types";
export type { AccessToken, ClientCredentialsAuth, RefreshTokenAuth, TokenOption, TokenProvider, TokenReason } from "./api/auth";
export { BOX_CALLS_PER_MINUTE, BOX_UPLOADS_PER_MINUTE, type Pacer, type RateLimits, type RequestKind } from "./api/pacer";
export { BOX_API_BASE_URL, BOX_UPLOAD_BASE_URL } from "./api/origins";
export { VERSION } from "./core/version";
/** `client.api`: every Box operation the client calls, and `openapi`, the typed openapi-fetch client. */
export type { BoxApi } from "./client/shared";
/** The raw API's inputs, answers and schemas (e.g. `BoxApiTypes.UploadSession`). */
export type * as BoxApiTypes from "./api/publicTypes";
