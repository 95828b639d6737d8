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
export { BoxApiError, BoxInputError, BoxProtocolError, SourceError, UploadAbortedError } from "./errors";
export { contentRange, planParts, type PartRange } from "./partPlan";
