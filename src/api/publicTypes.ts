/**
 * The raw API's types, as users see them (`BoxApiTypes` in the public entries): the inputs and
 * answers of every operation on `client.api`, Box's schemas as the fragment has them, and the
 * generated `Paths` that type `client.api.openapi`.
 */
export type { BoxOperations as Operations } from "./boxApi";
export type {
  BoxFile,
  CallOptions,
  CommitInput,
  CommitResult,
  ContentTimes,
  DirectCallOptions,
  MoveTarget,
  PlanPart,
  Schemas,
  SessionInput,
  UploadPart,
  UploadPartInput,
  UploadParts,
  UploadSession,
  UploadSessionPlan,
} from "./types";
export type { ByteSource } from "./multipart";
export type { Folder, FolderItem } from "./folders";
export type { SessionEndpoint } from "./origins";
export type { paths as Paths } from "../../generated/box-chunked-uploads";
