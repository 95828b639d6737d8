/**
 * The typed API layer: a thin layer over openapi-fetch. One middleware adds the bearer token (and
 * refuses to send it anywhere but a trusted origin); each method maps one operation of the
 * fragment, checks its arguments before sending, and turns non-2xx answers into BoxApiError.
 * It knows nothing of the uploader above it, nor of the runtime below it (the transport and the
 * default user agent are injected).
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { paths } from "../../generated/box-chunked-uploads";
import { contentRange, MAX_PARTS } from "../core/partPlan";
import { digestHeader } from "../core/digest";
import { BoxInputError, BoxProtocolError } from "../core/errors";
import { parseRetryAfter } from "../core/retryAfter";
import { untilAborted } from "../core/sleep";
import {
  checkByteCount,
  checkFileName,
  checkIntInRange,
  checkItemId,
  checkOptionalString,
  checkSessionId,
  checkSha1Hex,
} from "../core/validate";
import { classify, toApiError } from "./apiError";
import { Secrets } from "./secrets";
import { clientSettings, sessionBody } from "./inputs";
import { TokenSource, type TokenOption } from "./auth";
import { Origins, type SessionEndpoint } from "./origins";
import { capBodies } from "./transport";
import type {
  ApiPlatform,
  BoxClientOptions,
  CallOptions,
  CommitInput,
  CommitResult,
  SessionInput,
  UploadPart,
  UploadPartInput,
  UploadParts,
  UploadSession,
} from "./types";

export type * from "./types";

export class BoxApi {
  /** The underlying openapi-fetch client, for anything this class does not wrap. */
  readonly api: Client<paths>;
  readonly baseUrl: string;
  readonly tokens: TokenSource;
  /** Every token this client has used, for redaction of anything a server sends back. */
  readonly secrets = new Secrets();
  private readonly origins: Origins;
  private readonly requestTimeoutMs: number;
  private readonly closeTransport: () => Promise<void>;

  constructor(options: BoxClientOptions, platform: ApiPlatform) {
    const { userAgent, requestTimeoutMs, idleMs } = clientSettings(options, platform);
    this.tokens = new TokenSource(options.token, this.secrets);
    this.origins = new Origins(options.baseUrl, options.trustedOrigins);
    this.baseUrl = this.origins.baseUrl;
    this.requestTimeoutMs = requestTimeoutMs;
    const transport = options.fetch ? undefined : platform.createTransport({ idleMs });
    this.closeTransport = transport ? transport.close : async () => {};
    this.api = createClient<paths>({
      baseUrl: this.baseUrl,
      headers: { "user-agent": userAgent },
      // A redirect would carry a part's bytes (and, to the same origin, the token) somewhere we
      // did not choose: it is answered as the 3xx it is, never followed.
      redirect: "manual",
      ...(transport ? { fetch: transport.fetch, ...(transport.Request ? { Request: transport.Request } : {}) } : { fetch: options.fetch! }),
    });
    this.api.use(this.authMiddleware());
    // The built-in transport caps bodies as it reads them; a caller's fetch gets the same caps here.
    if (!transport) this.api.use(capBodies);
  }

  private authMiddleware(): Middleware {
    return {
      onRequest: async ({ request }) => {
        if (!this.isTrusted(request.url)) {
          throw new BoxProtocolError(`refusing to send the access token to untrusted origin ${new URL(request.url).origin}`);
        }
        const token = await untilAborted(this.tokens.get(), request.signal ?? undefined);
        request.headers.set("authorization", `Bearer ${token}`);
        return request;
      },
    };
  }

  /** Closes idle keep-alive connections; call when done so the process can exit at once. */
  close(): Promise<void> {
    return this.closeTransport();
  }

  /** True when `url` may receive our token. */
  isTrusted(url: string): boolean {
    return this.origins.isTrusted(url);
  }

  /**
   * Call options that reach a session's endpoint where Box named one we may use (the one rule for
   * `session_endpoints`); the client's own base URL otherwise.
   */
  sessionCall(session: UploadSession, endpoint: SessionEndpoint = "upload_part"): CallOptions {
    const base = this.origins.sessionBase(session, endpoint);
    return base === undefined ? {} : { baseUrl: base };
  }

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
    options: CallOptions = {},
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
        // The fragment types a binary body as `string` (format: binary); we send the bytes as they are.
        body: bytes as unknown as string,
        bodySerializer: (b: unknown) => b as BodyInit,
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
    const ifMatch = checkOptionalString("ifMatch", input.ifMatch);
    const ifNoneMatch = checkOptionalString("ifNoneMatch", input.ifNoneMatch);
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

  /**
   * Runs one openapi-fetch call and unwraps it: data on 2xx, BoxApiError otherwise. A 401 with a
   * token provider gets one fresh token and one more try. The whole call, token included, ends at
   * the caller's abort or the request deadline, and every failure leaves as one of our errors,
   * cleaned of our tokens.
   */
  private async send<T>(
    label: string,
    options: CallOptions,
    call: (init: { signal: AbortSignal; baseUrl?: string }) => Promise<{ data?: T; error?: unknown; response: Response }>,
  ): Promise<T> {
    if (options.baseUrl !== undefined && !this.isTrusted(options.baseUrl)) {
      throw new BoxInputError("options.baseUrl", "is not a trusted origin for this client");
    }
    const deadline = AbortSignal.timeout(this.requestTimeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    const init = { signal, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) };
    try {
      const token = await untilAborted(this.tokens.get(), signal);
      let result = await call(init);
      if (result.response.status === 401 && this.tokens.refreshable) {
        await untilAborted(this.tokens.refresh(token), signal);
        result = await call(init);
      }
      const { response } = result;
      if (response.ok) return result.data as T;
      throw toApiError(label.split(" ")[0]!, response, result.error);
    } catch (err) {
      throw this.secrets.cleanError(classify(err, label, options.signal, deadline, this.requestTimeoutMs));
    }
  }
}
