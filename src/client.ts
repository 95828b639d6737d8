/**
 * The typed client: a thin layer over openapi-fetch. One middleware adds the bearer token (and
 * refuses to send it anywhere but the configured origin); each method maps one operation of the
 * fragment, checks its arguments before sending, and turns non-2xx answers into BoxApiError.
 */
import { isIPv4 } from "node:net";
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "../generated/box-chunked-uploads";
import { TokenSource, type TokenOption } from "./auth";
import { contentRange } from "./partPlan";
import { digestHeader } from "./digest";
import { BoxApiError, BoxInputError, BoxProtocolError } from "./errors";
import { parseRetryAfter } from "./retryAfter";
import { createTransport, MAX_ERROR_BODY } from "./transport";
import { upload, type UploadOptions } from "./upload";
import type { UploadSource } from "./source";
import {
  checkByteCount,
  checkFileName,
  checkIntInRange,
  checkItemId,
  checkOptionalString,
  checkSessionId,
  checkSha1Hex,
} from "./validate";
import { VERSION } from "./version";

export type Schemas = components["schemas"];
export type UploadSession = Schemas["UploadSession"];
export type UploadPart = Schemas["UploadPart"];
export type UploadParts = Schemas["UploadParts"];
export type BoxFile = Schemas["File"];

export const BOX_UPLOAD_BASE_URL = "https://upload.box.com/api/2.0";
/** Hosts Box hands out in `session_endpoints`; trusted only when the base URL is Box's own. */
const BOX_UPLOAD_ORIGINS = ["https://upload.box.com", "https://upload.app.box.com"];

export interface BoxClientOptions {
  /** A bearer token, or a function that returns one (asked again once after a 401). */
  token: TokenOption;
  /** Defaults to Box's upload host. `http://` is accepted for loopback addresses only. */
  baseUrl?: string;
  /** Extra origins allowed to receive the token (e.g. a regional upload host). */
  trustedOrigins?: string[];
  userAgent?: string;
  /**
   * Replaces the built-in transport (node:http keep-alive, bodies sent without copies) with a fetch of your own,
   * called with standard Request objects, e.g. to add tracing or use a proxy.
   */
  fetch?: (request: Request) => Promise<Response>;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Send to this base URL instead (a session endpoint); must be a trusted origin. */
  baseUrl?: string;
}

export interface SessionInput {
  fileSize: number;
  fileName?: string;
}

export interface UploadPartInput {
  /** First byte of the part in the file. */
  offset: number;
  /** Size of the whole file, for Content-Range. */
  fileSize: number;
  /** SHA-1 of the part, lowercase hex. */
  sha1: string;
}

export interface CommitInput {
  parts: UploadPart[];
  /** SHA-1 of the whole file, lowercase hex. */
  sha1: string;
  ifMatch?: string;
  ifNoneMatch?: string;
}

/** A commit either created the file, or Box is still assembling the parts and asks us to come back. */
export type CommitResult =
  | { status: "committed"; file: BoxFile; files: Schemas["Files"] }
  | { status: "processing"; retryAfterMs: number | undefined };

export class BoxUploadClient {
  /** The underlying openapi-fetch client, for anything this class does not wrap. */
  readonly api: Client<paths>;
  readonly baseUrl: string;
  readonly tokens: TokenSource;
  private readonly trusted: Set<string>;
  private readonly closeTransport: () => Promise<void>;

  constructor(options: BoxClientOptions) {
    if (options === null || typeof options !== "object") {
      throw new BoxInputError("options", "must be an object with at least a token");
    }
    this.tokens = new TokenSource(options.token);
    this.baseUrl = checkBaseUrl("baseUrl", options.baseUrl ?? BOX_UPLOAD_BASE_URL).replace(/\/+$/, "");
    const origin = new URL(this.baseUrl).origin;
    const boxOrigins = BOX_UPLOAD_ORIGINS.includes(origin) ? BOX_UPLOAD_ORIGINS : [];
    const extra = (options.trustedOrigins ?? []).map((o) => new URL(checkBaseUrl("trustedOrigins", o)).origin);
    this.trusted = new Set([origin, ...boxOrigins, ...extra]);
    const userAgent = options.userAgent ?? `box-chunked-upload/${VERSION} node/${process.versions.node}`;
    const transport = options.fetch ? undefined : createTransport();
    this.closeTransport = transport ? transport.close : async () => {};
    this.api = createClient<paths>({
      baseUrl: this.baseUrl,
      headers: { "user-agent": userAgent },
      ...(transport ? { fetch: transport.fetch, Request: transport.Request } : { fetch: options.fetch! }),
    });
    this.api.use(this.authMiddleware());
    // The built-in transport caps bodies as it reads them; a caller's fetch gets the same cap here.
    if (!transport) this.api.use(capErrorBodies);
  }

  private authMiddleware(): Middleware {
    return {
      onRequest: async ({ request }) => {
        if (!this.isTrusted(request.url)) {
          throw new BoxProtocolError(`refusing to send the access token to untrusted origin ${new URL(request.url).origin}`);
        }
        request.headers.set("authorization", `Bearer ${await this.tokens.get()}`);
        return request;
      },
    };
  }

  /** Closes idle keep-alive connections; call when done so the process can exit at once. */
  close(): Promise<void> {
    return this.closeTransport();
  }

  /** True when `url` may receive our token; used to decide whether to follow session_endpoints. */
  isTrusted(url: string): boolean {
    try {
      return this.trusted.has(new URL(url).origin);
    } catch {
      return false;
    }
  }

  /**
   * Uploads `source` as a new version of file `fileId`, parts in parallel, and returns the
   * committed file. See {@link UploadOptions} for progress, abort, resume and retries.
   */
  uploadNewVersion(fileId: string, source: UploadSource, options?: UploadOptions): Promise<BoxFile> {
    return Promise.resolve().then(() => upload(this, { kind: "version", fileId: checkItemId("fileId", fileId) }, source, options));
  }

  /** Uploads `source` as a new file named `fileName` in folder `folderId`; returns the committed file. */
  uploadNewFile(folderId: string, fileName: string, source: UploadSource, options?: UploadOptions): Promise<BoxFile> {
    return Promise.resolve().then(() =>
      upload(
        this,
        { kind: "new", folderId: checkItemId("folderId", folderId), fileName: checkFileName("fileName", fileName) },
        source,
        options,
      ),
    );
  }

  /** `POST /files/{file_id}/upload_sessions`: starts uploading a new version of an existing file. */
  async createUploadSessionForExistingFile(
    fileId: string,
    input: SessionInput,
    options: CallOptions = {},
  ): Promise<UploadSession> {
    checkItemId("fileId", fileId);
    const body = sessionBody(input);
    return this.send("POST /files/{file_id}/upload_sessions", options, () =>
      this.api.POST("/files/{file_id}/upload_sessions", {
        params: { path: { file_id: fileId } },
        body,
        ...fetchOptions(options),
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
    return this.send("POST /files/upload_sessions", options, () =>
      this.api.POST("/files/upload_sessions", {
        body: { folder_id: folderId, file_size, file_name: file_name! },
        ...fetchOptions(options),
      }),
    );
  }

  /** `GET /files/upload_sessions/{id}`. */
  async getUploadSession(sessionId: string, options: CallOptions = {}): Promise<UploadSession> {
    checkSessionId("sessionId", sessionId);
    return this.send("GET /files/upload_sessions/{id}", options, () =>
      this.api.GET("/files/upload_sessions/{upload_session_id}", {
        params: { path: { upload_session_id: sessionId } },
        ...fetchOptions(options),
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
    const uploaded = await this.send("PUT /files/upload_sessions/{id}", options, () =>
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
        ...fetchOptions(options),
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
    return this.send("GET /files/upload_sessions/{id}/parts", options, () =>
      this.api.GET("/files/upload_sessions/{upload_session_id}/parts", {
        params: { path: { upload_session_id: sessionId }, query },
        ...fetchOptions(options),
      }),
    );
  }

  /** Every part the session holds, following pagination, sorted by offset. */
  async listAllUploadedParts(sessionId: string, options: CallOptions = {}): Promise<UploadPart[]> {
    const all: UploadPart[] = [];
    for (;;) {
      const page = await this.listUploadedParts(sessionId, { offset: all.length, limit: 1000 }, options);
      const entries = page.entries ?? [];
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
    const files = await this.send("POST /files/upload_sessions/{id}/commit", options, async () => {
      const result = await this.api.POST("/files/upload_sessions/{upload_session_id}/commit", {
        params: { path: { upload_session_id: sessionId }, header },
        body: { parts },
        ...fetchOptions(options),
      });
      status = result.response.status;
      retryAfter = result.response.headers.get("retry-after");
      return result;
    });
    if (status === 202) return { status: "processing", retryAfterMs: parseRetryAfter(retryAfter) };
    const file = files?.entries?.[0];
    if (!file) throw new BoxProtocolError(`commit answered ${status} without the committed file`);
    return { status: "committed", file, files };
  }

  /** `DELETE /files/upload_sessions/{id}`: drops the session and its parts. */
  async abortUploadSession(sessionId: string, options: CallOptions = {}): Promise<void> {
    checkSessionId("sessionId", sessionId);
    await this.send("DELETE /files/upload_sessions/{id}", options, () =>
      this.api.DELETE("/files/upload_sessions/{upload_session_id}", {
        params: { path: { upload_session_id: sessionId } },
        ...fetchOptions(options),
      }),
    );
  }

  /**
   * Runs one openapi-fetch call and unwraps it: data on 2xx, BoxApiError otherwise. A 401 with a
   * token provider gets one fresh token and one more try.
   */
  private async send<T>(
    label: string,
    options: CallOptions,
    call: () => Promise<{ data?: T; error?: unknown; response: Response }>,
  ): Promise<T> {
    if (options.baseUrl !== undefined && !this.isTrusted(options.baseUrl)) {
      throw new BoxInputError("options.baseUrl", "is not a trusted origin for this client");
    }
    const token = await this.tokens.get();
    let result = await call();
    if (result.response.status === 401 && this.tokens.refreshable) {
      await this.tokens.refresh(token);
      result = await call();
    }
    const { response } = result;
    if (response.ok) return result.data as T;
    throw toApiError(label.split(" ")[0]!, response, redact(result.error, await this.tokens.get()));
  }
}

function fetchOptions(options: CallOptions): { signal?: AbortSignal; baseUrl?: string } {
  const out: { signal?: AbortSignal; baseUrl?: string } = {};
  if (options.signal) out.signal = options.signal;
  if (options.baseUrl) out.baseUrl = options.baseUrl;
  return out;
}

function sessionBody(input: SessionInput): { file_size: number; file_name?: string } {
  if (input === null || typeof input !== "object") throw new BoxInputError("input", "must be an object");
  const body: { file_size: number; file_name?: string } = { file_size: checkByteCount("fileSize", input.fileSize) };
  if (input.fileName !== undefined) body.file_name = checkFileName("fileName", input.fileName);
  return body;
}

function checkBaseUrl(argument: string, value: unknown): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new BoxInputError(argument, "must be an absolute URL");
  }
  if (url.username || url.password) throw new BoxInputError(argument, "must not carry credentials");
  const loopback = url.hostname === "localhost" || url.hostname === "[::1]" || (isIPv4(url.hostname) && url.hostname.startsWith("127."));
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new BoxInputError(argument, "must be https (plain http only for loopback addresses)");
  }
  return String(value);
}

/** A server that echoes our Authorization header must not get the token into our errors. */
function redact(body: unknown, token: string): unknown {
  if (body === undefined) return body;
  const text = JSON.stringify(body);
  return text.includes(token) ? JSON.parse(text.split(token).join("[redacted]")) : body;
}

function toApiError(method: string, response: Response, body: unknown): BoxApiError {
  const fields = body && typeof body === "object" ? (body as Record<string, unknown>) : {};
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const url = new URL(response.url || "http://unknown/");
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
  return new BoxApiError({
    status: response.status,
    method,
    url: `${url.origin}${url.pathname}`,
    code: str(fields.code),
    message: str(fields.message) ?? (typeof body === "string" ? body.slice(0, 200) : undefined),
    requestId: str(fields.request_id),
    contextInfo: (fields.context_info as Record<string, unknown> | null | undefined) ?? undefined,
    helpUrl: str(fields.help_url),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/** Replaces an error response's body with at most MAX_ERROR_BODY bytes of it. */
const capErrorBodies: Middleware = {
  async onResponse({ response }) {
    if (response.ok || !response.body) return undefined;
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (size < MAX_ERROR_BODY) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
    await reader.cancel().catch(() => undefined);
    const body = Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY);
    const capped = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    Object.defineProperty(capped, "url", { value: response.url });
    return capped;
  },
};
