/**
 * The typed API layer: every Box operation the client calls, one method each. The chunked-upload
 * operations are in chunked.ts, the file operations and the token endpoint in files.ts, the folder
 * operations in folders.ts, the plumbing (auth, deadline, errors) in core.ts.
 */
import { FoldersApi } from "./folders";

export type * from "./types";
export type { ByteSource } from "./multipart";
export type { Folder, FolderItem } from "./folders";

export class BoxApi extends FoldersApi {}
