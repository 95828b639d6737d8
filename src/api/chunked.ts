/** Box's seven chunked-upload operations, one method each, arguments checked before sending. */
import { contentRange, MAX_PARTS } from "../core/partPlan";
import { digestHeader } from "../core/digest";
import { BoxInputError, BoxProtocolError } from "../core/errors";
import { parseRetryAfter } from "../core/retryAfter";
import { checkByteCount, checkHeaderValue, checkIntInRange, checkItemId, checkSessionId, checkSha1Hex } from "../core/validate";
import { ApiCore } from "./core";
import { sessionBody } from "./inputs";
import { counted, sliced } from "./transport";
import type { CallOptions, CommitInput, DirectCallOptions, CommitResult, SessionInput, UploadPart, UploadPartInput, UploadParts, UploadSession } from "./types";

/** Slices a part is handed to the transport in when its progress is followed. */
const PART_SLICE = 1024 * 1024;

export class ChunkedUploadsApi extends ApiCore {
  /** `POST /files/{file_id}/upload_sessions`: starts uploading a new version of an existing file. */
  async createUploadSessionForExistingFile(
    fileId: string,
    input: SessionInput,
    options: CallOptions = {},
  ): Promise<UploadSession> {
    checkItemId("fileId", fileId);
    const body = sessionBody(input);
    return this.send("POST /files/{file_id}/upload_sessions", options, (init) =>
      this.api.POST("/files/{file_id}/upload_sessions", {
        params: { path: { file_id: fileId } },
        body,
        ...init,
      }),
    );
  }

  /** `POST /files/upload_sessions`: starts uploading a new file into a folder. */
  async createUploadSession(
    folderId: string,
    input: SessionInput & { fileName: string },
    options: CallOptions = {},
  ): Promise<UploadSession> {
    checkItemId("folderId", folderId);
    if (input?.fileName === undefined) throw new BoxInputError("fileName", "is required for a new file");
    const { file_size, file_name } = sessionBody(input);
    return this.send("POST /files/upload_sessions", options, (init) =>
      this.api.POST("/files/upload_sessions", {
        body: { folder_id: folderId, file_size, file_name: file_name! },
        ...init,
      }),
    );
  }

  /** `GET /files/upload_sessions/{id}`. */
  async getUploadSession(sessionId: string, options: CallOptions = {}): Promise<UploadSession> {
    checkSessionId("sessionId", sessionId);
    return this.send("GET /files/upload_sessions/{id}", options, (init) =>
      this.api.GET("/files/upload_sessions/{upload_session_id}", {
        params: { path: { upload_session_id: sessionId } },
        ...init,
      }),
    );
  }

  /** `PUT /files/upload_sessions/{id}`: one part, with its Digest and Content-Range. */
  async uploadPart(
    sessionId: string,
    bytes: Uint8Array,
    input: UploadPartInput,
    options: DirectCallOptions = {},
  ): Promise<UploadPart> {
    checkSessionId("sessionId", sessionId);
    if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0) {
      throw new BoxInputError("bytes", "must be a non-empty Uint8Array");
    }
    checkByteCount("offset", input?.offset, 0);
    checkByteCount("fileSize", input.fileSize);
    if (input.offset + bytes.byteLength > input.fileSize) {
      throw new BoxInputError("bytes", "part runs past the end of the file");
    }
    checkSha1Hex("sha1", input.sha1);
    const uploaded = await this.send("PUT /files/upload_sessions/{id}", options, (init) =>
      this.api.PUT("/files/upload_sessions/{upload_session_id}", {
        params: {
          path: { upload_session_id: sessionId },
          header: {
            digest: digestHeader(input.sha1),
            "content-range": contentRange({ offset: input.offset, size: bytes.byteLength }, input.fileSize),
          },
        },
        headers: { "content-type": "application/octet-stream" },
        // The fragment types a binary body as `string` (format: binary); we send the bytes as they
        // are, or, when the caller follows the bytes on the wire, as views of 1 MiB (no copies).
        body: bytes as unknown as string,
        bodySerializer: (b: unknown) => (options.onBodySent ? this.streamBody(counted(sliced(bytes, PART_SLICE), options.onBodySent)) : (b as BodyInit)),
        ...(options.onBodySent ? this.streamInit() : {}),
        ...init,
      }),
    );
    if (!uploaded?.part) throw new BoxProtocolError("part upload answered 200 without a part");
    return uploaded.part;
  }

  /** `GET /files/upload_sessions/{id}/parts`: one page. */
  async listUploadedParts(
    sessionId: string,
    page: { offset?: number; limit?: number } = {},
    options: CallOptions = {},
  ): Promise<UploadParts> {
    checkSessionId("sessionId", sessionId);
    const query: { offset?: number; limit?: number } = {};
    if (page.offset !== undefined) query.offset = checkByteCount("offset", page.offset, 0);
    if (page.limit !== undefined) query.limit = checkIntInRange("limit", page.limit, 1, 1000);
    return this.send("GET /files/upload_sessions/{id}/parts", options, (init) =>
      this.api.GET("/files/upload_sessions/{upload_session_id}/parts", {
        params: { path: { upload_session_id: sessionId }, query },
        ...init,
      }),
    );
  }

  /** Every part the session holds, following pagination, sorted by offset. */
  async listAllUploadedParts(sessionId: string, options: CallOptions = {}): Promise<UploadPart[]> {
    const all: UploadPart[] = [];
    // A server cannot keep us paging: no session holds more than MAX_PARTS parts.
    for (let pages = 0; ; pages++) {
      if (pages > MAX_PARTS / 1000) throw new BoxProtocolError(`list parts kept paging past ${MAX_PARTS} parts`);
      const page = await this.listUploadedParts(sessionId, { offset: all.length, limit: 1000 }, options);
      const entries = Array.isArray(page?.entries) ? page.entries : [];
      if (entries.length > 1000) throw new BoxProtocolError(`list parts answered ${entries.length} entries for a limit of 1000`);
      all.push(...entries);
      if (entries.length === 0 || (page.total_count !== undefined && all.length >= page.total_count)) break;
    }
    return all.sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
  }

  /** `POST /files/upload_sessions/{id}/commit`. A 202 is returned as `processing`, never dropped. */
  async commitUploadSession(sessionId: string, input: CommitInput, options: CallOptions = {}): Promise<CommitResult> {
    checkSessionId("sessionId", sessionId);
    if (!Array.isArray(input?.parts) || input.parts.length === 0) {
      throw new BoxInputError("parts", "must be a non-empty array of uploaded parts");
    }
    checkSha1Hex("sha1", input.sha1);
    const header: { digest: string; "if-match"?: string; "if-none-match"?: string } = { digest: digestHeader(input.sha1) };
    const ifMatch = checkHeaderValue("ifMatch", input.ifMatch);
    const ifNoneMatch = checkHeaderValue("ifNoneMatch", input.ifNoneMatch);
    if (ifMatch !== undefined) header["if-match"] = ifMatch;
    if (ifNoneMatch !== undefined) header["if-none-match"] = ifNoneMatch;
    const parts = [...input.parts].sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
    let status = 0;
    let retryAfter: string | null = null;
    const files = await this.send("POST /files/upload_sessions/{id}/commit", options, async (init) => {
      const result = await this.api.POST("/files/upload_sessions/{upload_session_id}/commit", {
        params: { path: { upload_session_id: sessionId }, header },
        body: { parts },
        ...init,
      });
      status = result.response.status;
      retryAfter = result.response.headers.get("retry-after");
      return result;
    });
    if (status === 202) return { status: "processing", retryAfterMs: parseRetryAfter(retryAfter) };
    const file = Array.isArray(files?.entries) ? files.entries[0] : undefined;
    if (!file || typeof file !== "object") throw new BoxProtocolError(`commit answered ${status} without the committed file`);
    return { status: "committed", file, files };
  }

  /** `DELETE /files/upload_sessions/{id}`: drops the session and its parts. */
  async abortUploadSession(sessionId: string, options: CallOptions = {}): Promise<void> {
    checkSessionId("sessionId", sessionId);
    await this.send("DELETE /files/upload_sessions/{id}", options, (init) =>
      this.api.DELETE("/files/upload_sessions/{upload_session_id}", {
        params: { path: { upload_session_id: sessionId } },
        ...init,
      }),
    );
  }
}
