/** Box's seven chunked-upload operations over one caller, arguments checked before sending. */
import { contentRange, MAX_PARTS } from "../core/partPlan";
import { digestHeader } from "../core/digest";
import { BoxInputError, BoxProtocolError } from "../core/errors";
import { parseRetryAfter } from "../core/retryAfter";
import { checkByteCount, checkHeaderValue, checkIntInRange, checkItemId, checkSessionId, checkSha1Hex } from "../core/validate";
import type { ApiCaller } from "./caller";
import { OPERATIONS } from "./operations";
import { sessionBody, timeAttributes } from "./inputs";
import { counted, sliced } from "./transport";
import type {
  BoxFile,
  CallOptions,
  CommitInput,
  CommitResult,
  DirectCallOptions,
  Schemas,
  SessionInput,
  UploadPart,
  UploadPartInput,
  UploadParts,
  UploadSession,
} from "./types";

/** Slices a part is handed to the transport in when its progress is followed. */
const PART_SLICE = 1024 * 1024;
/** Box lists parts in pages of at most this many. */
const PAGE = 1000;

export function chunkedSessions(caller: ApiCaller) {
  const { api } = caller;

  /** `POST /files/{file_id}/upload_sessions`: starts uploading a new version of an existing file. */
  async function createUploadSessionForExistingFile(fileId: string, input: SessionInput, options: CallOptions = {}): Promise<UploadSession> {
    checkItemId("fileId", fileId);
    const body = sessionBody(input);
    return caller.send(OPERATIONS.createUploadSessionForExistingFile, options, (init) =>
      api.POST("/files/{file_id}/upload_sessions", { params: { path: { file_id: fileId } }, body, ...init }),
    );
  }

  /** `POST /files/upload_sessions`: starts uploading a new file into a folder. */
  async function createUploadSession(folderId: string, input: SessionInput & { fileName: string }, options: CallOptions = {}): Promise<UploadSession> {
    checkItemId("folderId", folderId);
    if (input?.fileName === undefined) throw new BoxInputError("fileName", "is required for a new file");
    const { file_size, file_name } = sessionBody(input);
    return caller.send(OPERATIONS.createUploadSession, options, (init) =>
      api.POST("/files/upload_sessions", { body: { folder_id: folderId, file_size, file_name: file_name! }, ...init }),
    );
  }

  /** `GET /files/upload_sessions/{id}`. */
  async function getUploadSession(sessionId: string, options: CallOptions = {}): Promise<UploadSession> {
    checkSessionId("sessionId", sessionId);
    return caller.send(OPERATIONS.getUploadSession, options, (init) =>
      api.GET("/files/upload_sessions/{upload_session_id}", { params: { path: { upload_session_id: sessionId } }, ...init }),
    );
  }

  /** `PUT /files/upload_sessions/{id}`: one part, with its Digest and Content-Range. */
  async function uploadPart(sessionId: string, bytes: Uint8Array, input: UploadPartInput, options: DirectCallOptions = {}): Promise<UploadPart> {
    checkSessionId("sessionId", sessionId);
    if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0) throw new BoxInputError("bytes", "must be a non-empty Uint8Array");
    checkByteCount("offset", input?.offset, 0);
    checkByteCount("fileSize", input.fileSize);
    if (input.offset + bytes.byteLength > input.fileSize) throw new BoxInputError("bytes", "part runs past the end of the file");
    checkSha1Hex("sha1", input.sha1);
    // Followed on the wire, or held to a bandwidth cap: sent as slices (views, no copies).
    const streamed = options.onBodySent !== undefined || caller.bodies.sliced;
    const uploaded = await caller.send(
      OPERATIONS.uploadPart,
      options,
      (init, ticket) =>
      api.PUT("/files/upload_sessions/{upload_session_id}", {
        params: {
          path: { upload_session_id: sessionId },
          header: { digest: digestHeader(input.sha1), "content-range": contentRange({ offset: input.offset, size: bytes.byteLength }, input.fileSize) },
        },
        headers: { "content-type": "application/octet-stream" },
        // The fragment types a binary body as `string` (format: binary); we send the bytes as they
        // are, or in slices.
        body: bytes as unknown as string,
        bodySerializer: (b: unknown) => (streamed ? caller.bodies.stream(counted(sliced(bytes, PART_SLICE), options.onBodySent), ticket) : (b as BodyInit)),
        ...(streamed ? caller.bodies.init() : {}),
        ...init,
      }),
      bytes.byteLength,
    );
    if (!uploaded?.part) throw new BoxProtocolError("part upload answered 200 without a part");
    return uploaded.part;
  }

  /** `GET /files/upload_sessions/{id}/parts`: one page. */
  async function listUploadedParts(sessionId: string, page: { offset?: number; limit?: number } = {}, options: CallOptions = {}): Promise<UploadParts> {
    checkSessionId("sessionId", sessionId);
    const query: { offset?: number; limit?: number } = {};
    if (page.offset !== undefined) query.offset = checkByteCount("offset", page.offset, 0);
    if (page.limit !== undefined) query.limit = checkIntInRange("limit", page.limit, 1, PAGE);
    return caller.send(OPERATIONS.listUploadedParts, options, (init) =>
      api.GET("/files/upload_sessions/{upload_session_id}/parts", { params: { path: { upload_session_id: sessionId }, query }, ...init }),
    );
  }

  /**
   * Every part the session holds, following pagination, sorted by offset. A server cannot keep us
   * paging: we stop at a page that adds no part we have not seen (one that ignores `offset`; an
   * error when it still claims a larger `total_count`), once we hold `totalParts` (when the caller
   * knows it) or the count the server gave, and at Box's limit (it refuses offsets past 10,000).
   */
  async function listAllUploadedParts(sessionId: string, options: CallOptions & { totalParts?: number } = {}): Promise<UploadPart[]> {
    const { totalParts, ...call } = options;
    const enough = Math.min(MAX_PARTS, totalParts ?? MAX_PARTS);
    const byKey = new Map<string, UploadPart>();
    for (let offset = 0; offset < MAX_PARTS; ) {
      const page = await listUploadedParts(sessionId, { offset, limit: PAGE }, call);
      const entries = Array.isArray(page?.entries) ? page.entries : [];
      if (entries.length > PAGE) throw new BoxProtocolError(`list parts answered ${entries.length} entries for a limit of ${PAGE}`);
      const before = byKey.size;
      for (const part of entries) byKey.set(`${part.offset}:${part.part_id}`, part);
      offset += entries.length;
      const total = typeof page.total_count === "number" ? page.total_count : undefined;
      if (byKey.size === before && entries.length > 0 && total !== undefined && byKey.size < total) {
        // It claims more parts, yet repeats what it gave: no listing of it can be trusted.
        throw new BoxProtocolError(`list parts of session ${sessionId} repeats its entries short of the ${total} it claims`);
      }
      if (byKey.size === before || (total !== undefined && offset >= total) || byKey.size >= enough) break;
    }
    return [...byKey.values()].sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
  }

  /**
   * `POST /files/upload_sessions/{id}/commit`. A 202 is `processing` whatever its body (a proxy may
   * put `Accepted` there): Box documents it as "come back after Retry-After", never as a failure.
   */
  async function commitUploadSession(sessionId: string, input: CommitInput, options: CallOptions = {}): Promise<CommitResult> {
    checkSessionId("sessionId", sessionId);
    if (!Array.isArray(input?.parts) || input.parts.length === 0) throw new BoxInputError("parts", "must be a non-empty array of uploaded parts");
    checkSha1Hex("sha1", input.sha1);
    const header: { digest: string; "if-match"?: string; "if-none-match"?: string } = { digest: digestHeader(input.sha1) };
    const ifMatch = checkHeaderValue("ifMatch", input.ifMatch);
    const ifNoneMatch = checkHeaderValue("ifNoneMatch", input.ifNoneMatch);
    if (ifMatch !== undefined) header["if-match"] = ifMatch;
    if (ifNoneMatch !== undefined) header["if-none-match"] = ifNoneMatch;
    const parts = [...input.parts].sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
    const attributes = timeAttributes(input.times);
    let status = 0;
    let retryAfter: string | null = null;
    const text = await caller.send(OPERATIONS.commitUploadSession, options, async (init) => {
      const result = await api.POST("/files/upload_sessions/{upload_session_id}/commit", {
        params: { path: { upload_session_id: sessionId }, header },
        body: { parts, ...(attributes ? { attributes } : {}) },
        parseAs: "text",
        ...init,
      });
      status = result.response.status;
      retryAfter = result.response.headers.get("retry-after");
      return result;
    });
    if (status === 202) return { status: "processing", retryAfterMs: parseRetryAfter(retryAfter) };
    let files: Schemas["Files"] | undefined;
    try {
      files = text ? (JSON.parse(text) as Schemas["Files"]) : undefined;
    } catch (err) {
      throw caller.secrets.cleanError(new BoxProtocolError(`commit answered ${status} with a body that is not JSON`, { cause: err }));
    }
    const file = Array.isArray(files?.entries) ? files.entries[0] : undefined;
    if (!file || typeof file !== "object") throw new BoxProtocolError(`commit answered ${status} without the committed file`);
    return { status: "committed", file: file as BoxFile, files: files! };
  }

  /** `DELETE /files/upload_sessions/{id}`: drops the session and its parts. */
  async function abortUploadSession(sessionId: string, options: CallOptions = {}): Promise<void> {
    checkSessionId("sessionId", sessionId);
    await caller.send(OPERATIONS.abortUploadSession, options, (init) =>
      api.DELETE("/files/upload_sessions/{upload_session_id}", { params: { path: { upload_session_id: sessionId } }, ...init }),
    );
  }

  return {
    createUploadSessionForExistingFile,
    createUploadSession,
    getUploadSession,
    uploadPart,
    listUploadedParts,
    listAllUploadedParts,
    commitUploadSession,
    abortUploadSession,
  };
}

export type ChunkedSessions = ReturnType<typeof chunkedSessions>;
