/** Box's file operations on the API host: reading a file's fields, moving or renaming a file, and moving it to the trash. */
import { BoxProtocolError } from "../core/errors";
import { checkHeaderValue, checkItemId } from "../core/validate";
import type { ApiCaller } from "./caller";
import { OPERATIONS } from "./operations";
import { checkFields, moveInput } from "./inputs";
import type { BoxFile, CallOptions, MoveTarget } from "./types";

/** What a move asks Box to answer: enough to go on with the file (its new etag, name and parent). */
const MOVED_FILE_FIELDS = ["id", "type", "name", "parent", "etag", "sha1", "size", "file_version"];

export function fileOperations(caller: ApiCaller) {
  /** `GET /files/{file_id}`, with `fields` to ask for more than the standard set (e.g. sha1, file_version). */
  async function getFile(fileId: string, fields: string[] = [], options: CallOptions = {}): Promise<BoxFile> {
    checkItemId("fileId", fileId);
    checkFields(fields);
    const file = await caller.send(OPERATIONS.getFile, caller.onApiHost(options), (init) =>
      caller.api.GET("/files/{file_id}", {
        params: { path: { file_id: fileId }, ...(fields.length ? { query: { fields: fields.join(",") as never } } : {}) },
        ...init,
      }),
    );
    if (!file || typeof file !== "object") throw new BoxProtocolError("GET /files/{file_id} answered without the file");
    return file as BoxFile;
  }

  /**
   * `DELETE /files/{file_id}`: moves the file to the trash. With `ifMatch` (the etag last seen),
   * Box refuses with 412 when the file changed since, so nothing changed meanwhile is removed.
   */
  async function deleteFile(fileId: string, input: { ifMatch?: string } = {}, options: CallOptions = {}): Promise<void> {
    checkItemId("fileId", fileId);
    const ifMatch = checkHeaderValue("ifMatch", input?.ifMatch);
    await caller.send(OPERATIONS.deleteFile, caller.onApiHost(options), (init) =>
      caller.api.DELETE("/files/{file_id}", { params: { path: { file_id: fileId }, ...(ifMatch ? { header: { "if-match": ifMatch } } : {}) }, ...init }),
    );
  }

  /**
   * `PUT /files/{file_id}` with a new name, a new parent folder, or both: the file keeps its ID and
   * versions and gets a new etag. A name taken in the target folder is a BoxApiError 409 naming the
   * item; with `ifMatch`, a file changed since it was read is refused (412).
   */
  async function moveFile(fileId: string, to: MoveTarget, options: CallOptions = {}): Promise<BoxFile> {
    checkItemId("fileId", fileId);
    const { body, ifMatch } = moveInput(to);
    const file = await caller.send(OPERATIONS.moveFile, caller.onApiHost(options), (init) =>
      caller.api.PUT("/files/{file_id}", {
        params: { path: { file_id: fileId }, query: { fields: MOVED_FILE_FIELDS.join(",") as never }, ...(ifMatch ? { header: { "if-match": ifMatch } } : {}) },
        body,
        ...init,
      }),
    );
    if (!file || typeof file !== "object" || typeof file.id !== "string") throw new BoxProtocolError("PUT /files/{file_id} answered without the file");
    return file;
  }

  return { getFile, moveFile, deleteFile };
}

export type FileOperations = ReturnType<typeof fileOperations>;
