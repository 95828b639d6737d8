/**
 * Box's file operations beside the chunked ones: direct upload of a file or a version (one
 * multipart request, SHA-1 in Content-MD5), the preflight check, reading a file, and the token
 * endpoint for the OAuth grants. Upload operations go to the upload host, the rest to the API host.
 */
import { BoxProtocolError } from "../core/errors";
import { checkByteCount, checkFileName, checkHeaderValue, checkItemId, checkSha1Hex } from "../core/validate";
import { ChunkedUploadsApi } from "./chunked";
import { toApiError } from "./apiError";
import { checkFields } from "./inputs";
import { multipartUpload, type ByteSource } from "./multipart";
import { counted } from "./transport";
import type { BoxFile, CallOptions, DirectCallOptions, Schemas } from "./types";


function firstFile(files: Schemas["Files"] | undefined, what: string): BoxFile {
  const file = Array.isArray(files?.entries) ? files.entries[0] : undefined;
  if (!file || typeof file !== "object") throw new BoxProtocolError(`${what} answered without the file`);
  return file;
}

export class FilesApi extends ChunkedUploadsApi {
  /** `POST /files/content`: a new file in one request. The attributes part goes before the file. */
  async uploadFile(folderId: string, fileName: string, source: ByteSource, sha1: string, options: DirectCallOptions = {}): Promise<BoxFile> {
    checkItemId("folderId", folderId);
    checkFileName("fileName", fileName);
    checkSha1Hex("sha1", sha1);
    checkByteCount("source.size", source?.size, 0);
    const body = multipartUpload({ name: fileName, parent: { id: folderId } }, fileName, source);
    const files = await this.send("POST /files/content", options, (init) =>
      this.api.POST("/files/content", {
        params: { header: { "content-md5": sha1 } },
        headers: { "content-type": body.contentType },
        body: {} as never,
        bodySerializer: () => this.streamBody(counted(body, options.onBodySent)),
        ...this.streamInit(),
        ...init,
      }),
    );
    return firstFile(files, "POST /files/content");
  }

  /** `POST /files/{file_id}/content`: a new version in one request, optionally renamed or guarded by etag. */
  async uploadFileVersion(
    fileId: string,
    source: ByteSource,
    sha1: string,
    input: { fileName?: string; ifMatch?: string } = {},
    options: DirectCallOptions = {},
  ): Promise<BoxFile> {
    checkItemId("fileId", fileId);
    checkSha1Hex("sha1", sha1);
    checkByteCount("source.size", source?.size, 0);
    const name = input.fileName === undefined ? undefined : checkFileName("fileName", input.fileName);
    const ifMatch = checkHeaderValue("ifMatch", input.ifMatch);
    const body = multipartUpload(name ? { name } : {}, name ?? "file", source);
    const files = await this.send("POST /files/{file_id}/content", options, (init) =>
      this.api.POST("/files/{file_id}/content", {
        params: { path: { file_id: fileId }, header: { "content-md5": sha1, ...(ifMatch ? { "if-match": ifMatch } : {}) } },
        headers: { "content-type": body.contentType },
        body: {} as never,
        bodySerializer: () => this.streamBody(counted(body, options.onBodySent)),
        ...this.streamInit(),
        ...init,
      }),
    );
    return firstFile(files, "POST /files/{file_id}/content");
  }

  /**
   * `OPTIONS /files/content`: would this upload be accepted? Resolves when it would; rejects with
   * BoxApiError otherwise (409 with the conflicting item in `contextInfo.conflicts`, 403 for quota).
   */
  async preflightUpload(input: { name: string; folderId: string; size: number }, options: CallOptions = {}): Promise<void> {
    const name = checkFileName("name", input?.name);
    const folderId = checkItemId("folderId", input.folderId);
    const size = checkByteCount("size", input.size, 0);
    await this.send("OPTIONS /files/content", { ...options, baseUrl: options.baseUrl ?? this.apiBaseUrl }, (init) =>
      this.api.OPTIONS("/files/content", { body: { name, size, parent: { id: folderId } }, ...init }),
    );
  }

  /** `GET /files/{file_id}`, with `fields` to ask for more than the standard set (e.g. sha1, file_version). */
  async getFile(fileId: string, fields: string[] = [], options: CallOptions = {}): Promise<BoxFile> {
    checkItemId("fileId", fileId);
    checkFields(fields);
    const file = await this.send("GET /files/{file_id}", { ...options, baseUrl: options.baseUrl ?? this.apiBaseUrl }, (init) =>
      this.api.GET("/files/{file_id}", {
        params: { path: { file_id: fileId }, ...(fields.length ? { query: { fields: fields.join(",") as never } } : {}) },
        ...init,
      }),
    );
    if (!file || typeof file !== "object") throw new BoxProtocolError("GET /files/{file_id} answered without the file");
    return file as BoxFile;
  }

  /** `POST /oauth2/token` (no bearer token on this one): the grants in oauth.ts call it. */
  protected override async requestToken(form: Record<string, string>) {
    const started = Date.now();
    const signal = AbortSignal.timeout(this.requestTimeoutMs);
    let response: Response | undefined;
    try {
      const result = await this.tokenApi.POST("/oauth2/token", {
        body: form as never,
        bodySerializer: (b: unknown) => new URLSearchParams(b as Record<string, string>).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
        signal,
      });
      response = result.response;
      if (!response.ok) {
        const e = (result.error ?? {}) as { error?: unknown; error_description?: unknown };
        throw toApiError("POST", response, { code: e.error, message: e.error_description });
      }
      return result.data as { access_token?: string; expires_in?: number; refresh_token?: string };
    } catch (err) {
      throw this.cleanFailure(err, "POST /oauth2/token", undefined, signal);
    } finally {
      this.log("POST /oauth2/token", response, started);
    }
  }
}
