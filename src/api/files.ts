/** Box's file operations on the API host: reading a file's fields, and moving a file to the trash. */
import { BoxProtocolError } from "../core/errors";
import { checkHeaderValue, checkItemId } from "../core/validate";
import type { ApiCaller } from "./caller";
import { OPERATIONS } from "./operations";
import { checkFields } from "./inputs";
import type { BoxFile, CallOptions } from "./types";

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

  return { getFile, deleteFile };
}

export type FileOperations = ReturnType<typeof fileOperations>;
