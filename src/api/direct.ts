/**
 * Box's one-request uploads beside the chunked ones: a new file or a new version in one multipart
 * request (SHA-1 in Content-MD5, attributes before the file), and the preflight check that says
 * whether such an upload would be accepted. The uploads go to the upload host, the check to the
 * API host.
 */
import { BoxProtocolError } from "../core/errors";
import { checkByteCount, checkFileName, checkHeaderValue, checkItemId, checkSha1Hex } from "../core/validate";
import type { ApiCaller } from "./caller";
import { OPERATIONS } from "./operations";
import { multipartUpload, type ByteSource, type MultipartBody } from "./multipart";
import { counted } from "./transport";
import { timeAttributes } from "./inputs";
import type { BoxFile, CallOptions, ContentTimes, DirectCallOptions, Schemas } from "./types";

function firstFile(files: Schemas["Files"] | undefined, what: string): BoxFile {
  const file = Array.isArray(files?.entries) ? files.entries[0] : undefined;
  if (!file || typeof file !== "object") throw new BoxProtocolError(`${what} answered without the file`);
  return file;
}

/** `onBodySent` counts the file's bytes only: progress never passes the file's size. */
function fileProgress(body: MultipartBody, onBodySent: ((bytes: number) => void) | undefined): ((sent: number) => void) | undefined {
  return onBodySent && ((sent) => onBodySent(body.fileBytes(sent)));
}

export function directUploads(caller: ApiCaller) {
  const { api } = caller;

  /** `POST /files/content`: a new file in one request. The attributes part goes before the file. */
  async function uploadFile(
    folderId: string,
    fileName: string,
    source: ByteSource,
    sha1: string,
    options: DirectCallOptions & { times?: ContentTimes } = {},
  ): Promise<BoxFile> {
    checkItemId("folderId", folderId);
    checkFileName("fileName", fileName);
    checkSha1Hex("sha1", sha1);
    checkByteCount("source.size", source?.size, 0);
    const body = multipartUpload({ name: fileName, parent: { id: folderId }, ...timeAttributes(options.times) }, fileName, source);
    const files = await caller.send(OPERATIONS.uploadFile, options, (init, ticket) =>
      api.POST("/files/content", {
        params: { header: { "content-md5": sha1 } },
        headers: { "content-type": body.contentType },
        body: {} as never,
        bodySerializer: () => caller.bodies.stream(counted(body, fileProgress(body, options.onBodySent)), ticket),
        ...caller.bodies.init(),
        ...init,
      }),
      body.length,
    );
    return firstFile(files, OPERATIONS.uploadFile.label);
  }

  /** `POST /files/{file_id}/content`: a new version in one request, optionally renamed or guarded by etag. */
  async function uploadFileVersion(
    fileId: string,
    source: ByteSource,
    sha1: string,
    input: { fileName?: string; ifMatch?: string; times?: ContentTimes } = {},
    options: DirectCallOptions = {},
  ): Promise<BoxFile> {
    checkItemId("fileId", fileId);
    checkSha1Hex("sha1", sha1);
    checkByteCount("source.size", source?.size, 0);
    const name = input.fileName === undefined ? undefined : checkFileName("fileName", input.fileName);
    const ifMatch = checkHeaderValue("ifMatch", input.ifMatch);
    // A version keeps the file's creation time: only its modification time goes.
    const { content_modified_at } = timeAttributes(input.times) ?? {};
    const body = multipartUpload({ ...(name ? { name } : {}), ...(content_modified_at ? { content_modified_at } : {}) }, name ?? "file", source);
    const files = await caller.send(OPERATIONS.uploadFileVersion, options, (init, ticket) =>
      api.POST("/files/{file_id}/content", {
        params: { path: { file_id: fileId }, header: { "content-md5": sha1, ...(ifMatch ? { "if-match": ifMatch } : {}) } },
        headers: { "content-type": body.contentType },
        body: {} as never,
        bodySerializer: () => caller.bodies.stream(counted(body, fileProgress(body, options.onBodySent)), ticket),
        ...caller.bodies.init(),
        ...init,
      }),
      body.length,
    );
    return firstFile(files, OPERATIONS.uploadFileVersion.label);
  }

  /**
   * `OPTIONS /files/content`: would this upload be accepted? Resolves when it would; rejects with
   * BoxApiError otherwise (409 with the conflicting item in `contextInfo.conflicts`, 403 for quota).
   */
  async function preflightUpload(input: { name: string; folderId: string; size: number }, options: CallOptions = {}): Promise<void> {
    const name = checkFileName("name", input?.name);
    const folderId = checkItemId("folderId", input.folderId);
    const size = checkByteCount("size", input.size, 0);
    await caller.send(OPERATIONS.preflightUpload, caller.onApiHost(options), (init) =>
      api.OPTIONS("/files/content", { body: { name, size, parent: { id: folderId } }, ...init }),
    );
  }

  return { uploadFile, uploadFileVersion, preflightUpload };
}

export type DirectUploads = ReturnType<typeof directUploads>;
