/**
 * The typed API layer put together: one caller (send, auth, origins, the 401 refresh, logging) and
 * the operation modules that take it, one per area: chunked sessions (chunked.ts), the upload plan
 * (plan.ts), one-request uploads and the preflight check (direct.ts), files (files.ts), folders
 * (folders.ts), and the token endpoint (token.ts). Nothing here inherits from anything; the client facade holds the
 * result.
 */
import { BoxInputError } from "../core/errors";
import { TokenSource } from "./auth";
import { ApiCaller } from "./caller";
import { chunkedSessions, type ChunkedSessions } from "./chunked";
import { directUploads, type DirectUploads } from "./direct";
import { fileOperations, type FileOperations } from "./files";
import { folderOperations, type FolderOperations } from "./folders";
import { uploadPlans, type UploadPlans } from "./plan";
import { Secrets } from "./secrets";
import { NO_METER, type Meter } from "../core/meter";
import { tokenEndpoint } from "./token";
import type { ApiPlatform, BoxClientOptions } from "./types";

export type * from "./types";
export type { ByteSource } from "./multipart";
export type { Folder, FolderItem } from "./folders";
export type { ApiCaller } from "./caller";

/** Every Box operation the client calls, one method each. */
export type BoxOperations = ChunkedSessions & UploadPlans & DirectUploads & FileOperations & FolderOperations;

export interface ComposedApi {
  caller: ApiCaller;
  operations: BoxOperations;
}

export function createBoxApi(options: BoxClientOptions, platform: ApiPlatform, meter: Meter = NO_METER): ComposedApi {
  if (options === null || typeof options !== "object") throw new BoxInputError("options", "must be an object with at least a token");
  const secrets = new Secrets();
  // The token endpoint is an operation like the others, so it needs the caller, which needs the
  // tokens: the endpoint is only called once both exist.
  let caller: ApiCaller | undefined;
  const tokens = new TokenSource(options.token, secrets, (form) => tokenEndpoint(caller!)(form));
  caller = new ApiCaller(options, platform, tokens, secrets, meter);
  return {
    caller,
    operations: { ...chunkedSessions(caller), ...uploadPlans(caller), ...directUploads(caller), ...fileOperations(caller), ...folderOperations(caller) },
  };
}
