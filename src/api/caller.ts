/**
 * The one caller every Box operation goes through: a thin layer over openapi-fetch. One middleware
 * adds the bearer token (and refuses to send it anywhere but a trusted origin); `send` runs one
 * call with its deadline and the one 401 refresh, and turns every failure into one of our errors,
 * cleaned of our secrets; every exchange is logged through `onRequest`. It knows nothing of the
 * operations (api/chunked.ts, direct.ts, files.ts, folders.ts, token.ts take it), nor of the
 * runtime below it (the transport and the default user agent are injected).
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { paths } from "../../generated/box-chunked-uploads";
import { BoxInputError, BoxProtocolError, markNotSent } from "../core/errors";
import { NO_METER, type Meter } from "../core/meter";
import { linkedSignal } from "../core/linkedSignal";
import { untilAborted } from "../core/sleep";
import { checkItemId } from "../core/validate";
import { classify, toApiError } from "./apiError";
import type { TokenSource } from "./auth";
import { clientSettings } from "./inputs";
import { Origins, type SessionEndpoint } from "./origins";
import { OPERATIONS, type Operation } from "./operations";
import { createPacer, type Pacer } from "./pacer";
import { requestEvent } from "./requestLog";
import type { Secrets } from "./secrets";
import { parseRetryAfter } from "../core/retryAfter";
import { Bodies, type WindowTicket } from "./bodies";
import { capBodies } from "./transport";
import type { ApiPlatform, BoxClientOptions, CallOptions, RequestEvent, UploadSession } from "./types";

/** What `send` hands the operation: its signal, and the base URL to use instead of the client's. */
export type CallInit = { signal: AbortSignal; baseUrl?: string };
type Answer<T> = { data?: T; error?: unknown; response: Response };
/** A signal that never aborts: the wait for a turn has no deadline of its own (the caller's signal bounds it). */
const NEVER = new AbortController().signal;

export class ApiCaller {
  /** The typed openapi-fetch client, with the auth middleware. */
  readonly api: Client<paths>;
  /** The same without the auth middleware, for the token endpoint (it must never get a bearer token). */
  readonly tokenApi: Client<paths>;
  readonly origins: Origins;
  readonly requestTimeoutMs: number;
  /** Every request waits here for its turn (Box's rate limits), every body byte for the bandwidth cap. */
  readonly pacer: Pacer;
  /** How request bodies reach the transport (streamed, and held to the bandwidth cap). */
  readonly bodies: Bodies;
  private readonly onRequest: ((event: RequestEvent) => void) | undefined;
  /** The user every request acts as (`As-User`), if any. */
  private readonly asUser: string | undefined;
  private readonly closeTransport: () => Promise<void>;

  constructor(
    options: BoxClientOptions,
    platform: ApiPlatform,
    private readonly tokens: TokenSource,
    readonly secrets: Secrets,
    /** Where requests, waits and parts in flight are counted (an operator's metrics). */
    readonly meter: Meter = NO_METER,
  ) {
    const { userAgent, requestTimeoutMs, idleMs } = clientSettings(options, platform);
    this.origins = new Origins(options.baseUrl, options.apiBaseUrl, options.trustedOrigins);
    this.requestTimeoutMs = requestTimeoutMs;
    if (options.onRequest !== undefined && typeof options.onRequest !== "function") throw new BoxInputError("onRequest", "must be a function");
    this.onRequest = options.onRequest;
    this.asUser = options.asUser === undefined ? undefined : checkItemId("asUser", options.asUser);
    if (options.pacer !== undefined && (options.rateLimits !== undefined || options.bandwidthLimit !== undefined)) {
      throw new BoxInputError("pacer", "replaces rateLimits and bandwidthLimit: give one or the others");
    }
    this.pacer = options.pacer ?? createPacer(options.rateLimits, options.bandwidthLimit);
    const transport = options.fetch ? undefined : platform.createTransport({ idleMs });
    this.closeTransport = transport ? transport.close : async () => {};
    this.bodies = new Bodies(transport?.streamedBodies === true, this.pacer);
    const make = (baseUrl: string) => {
      const client = createClient<paths>({
        baseUrl,
        headers: { "user-agent": userAgent },
        // A redirect would carry a part's bytes (and, to the same origin, the token) somewhere we
        // did not choose: it is answered as the 3xx it is, never followed.
        redirect: "manual",
        ...(transport ? { fetch: transport.fetch, ...(transport.Request ? { Request: transport.Request } : {}) } : { fetch: options.fetch! }),
      });
      // The built-in transport caps bodies as it reads them; a caller's fetch gets the same caps here.
      if (!transport) client.use(capBodies);
      return client;
    };
    this.api = make(this.origins.baseUrl);
    this.api.use(this.authMiddleware());
    this.tokenApi = make(this.origins.tokenBaseUrl);
  }

  /** Closes idle keep-alive connections; call when done so the process can exit at once. */
  close(): Promise<void> {
    return this.closeTransport();
  }

  /**
   * Call options that reach a session's endpoint where Box named one we may use (the one rule for
   * `session_endpoints`); the client's own base URL otherwise.
   */
  sessionCall(session: UploadSession, endpoint: SessionEndpoint = "upload_part"): CallOptions {
    const base = this.origins.sessionBase(session, endpoint);
    return base === undefined ? {} : { baseUrl: base };
  }

  /** The API host for operations that live there, unless the call names another base URL. */
  onApiHost(options: CallOptions): CallOptions {
    return { ...options, baseUrl: options.baseUrl ?? this.origins.apiBaseUrl };
  }

  private authMiddleware(): Middleware {
    return {
      onRequest: async ({ request }) => {
        if (!this.origins.isTrusted(request.url)) {
          throw new BoxProtocolError(`refusing to send the access token to untrusted origin ${new URL(request.url).origin}`);
        }
        const token = await untilAborted(this.tokens.get(), request.signal ?? undefined);
        request.headers.set("authorization", `Bearer ${token}`);
        // The token endpoint's client has no middleware: As-User never goes there.
        if (this.asUser !== undefined) request.headers.set("as-user", this.asUser);
        return request;
      },
    };
  }

  /**
   * Runs one openapi-fetch call and unwraps it: data on 2xx, BoxApiError otherwise. A 401 with a
   * token provider gets one fresh token and one more try. The whole call, token included, ends at
   * the caller's abort or the request deadline, and every failure leaves as one of our errors,
   * cleaned of our secrets.
   */
  async send<T>(operation: Operation, options: CallOptions, call: (init: CallInit, ticket: WindowTicket | undefined) => Promise<Answer<T>>, bodyBytes?: number): Promise<T> {
    const { label, kind } = operation;
    const part = operation === OPERATIONS.uploadPart;
    if (options.baseUrl !== undefined && !this.origins.isTrusted(options.baseUrl)) {
      throw new BoxInputError("options.baseUrl", "is not a trusted origin for this client");
    }
    // The waits for room under the bandwidth cap and for a turn are not the request's: its deadline
    // starts when it may go. Cleanup after an abort goes at once (it must not wait for a turn either).
    let ticket: WindowTicket | undefined;
    if (!options.noTokenWait) {
      try {
        if (bodyBytes !== undefined && this.bodies.window) ticket = await this.bodies.window.enter(bodyBytes, options.signal);
        // untilAborted too: a pacer from elsewhere that ignores the signal still cannot hold an abort.
        const waitFrom = Date.now();
        await untilAborted(this.pacer.take(kind, options.signal), options.signal);
        this.meter.paced((Date.now() - waitFrom) / 1000);
      } catch (err) {
        ticket?.leave();
        throw markNotSent(this.secrets.cleanError(classify(err, label, options.signal, NEVER, this.requestTimeoutMs)));
      }
    }
    const linked = linkedSignal([options.signal], this.requestTimeoutMs);
    const { signal, deadline } = linked;
    const init: CallInit = { signal, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) };
    let started = Date.now();
    let response: Response | undefined;
    let sent = false;
    try {
      if (options.noTokenWait && !this.tokens.ready) throw new BoxProtocolError(`${label}: not sent, no access token at hand`);
      const token = await untilAborted(this.tokens.get(), signal);
      const once = async () => {
        started = Date.now();
        sent = true;
        let result: Answer<T> | undefined;
        if (part) this.meter.parts(1);
        try {
          result = await call(init, ticket);
        } finally {
          if (part) this.meter.parts(-1);
          this.meter.request(kind, result ? String(result.response.status) : "error");
        }
        if (result.response.status === 429) this.pacer.refused(kind, parseRetryAfter(result.response.headers.get("retry-after")));
        else this.pacer.accepted(kind);
        return result;
      };
      let result = await once();
      if (result.response.status === 401 && this.tokens.refreshable && !options.noTokenWait) {
        this.log(label, result.response, started);
        await untilAborted(this.tokens.refresh(token), signal);
        // The retry after a refresh takes a turn like any request (its token wait is behind it).
        await untilAborted(this.pacer.take(kind, signal), signal);
        result = await once();
      }
      response = result.response;
      if (response.ok) return result.data as T;
      throw toApiError(label.split(" ")[0]!, response, result.error);
    } catch (err) {
      const failure = this.secrets.cleanError(classify(err, label, options.signal, deadline, this.requestTimeoutMs));
      throw sent ? failure : markNotSent(failure);
    } finally {
      ticket?.leave();
      linked.dispose();
      this.log(label, response, started);
    }
  }

  /**
   * One call without a bearer token (the token endpoint): its deadline, its log line, and its
   * failures typed and cleaned like every other; `errorFields` maps an error body to Box's fields.
   */
  async sendPlain<T>(label: string, call: (signal: AbortSignal) => Promise<Answer<T>>, errorFields: (body: unknown) => unknown): Promise<T> {
    const linked = linkedSignal([], this.requestTimeoutMs);
    const started = Date.now();
    let response: Response | undefined;
    try {
      const result = await call(linked.signal);
      response = result.response;
      if (response.ok) return result.data as T;
      throw toApiError(label.split(" ")[0]!, response, errorFields(result.error));
    } catch (err) {
      throw this.secrets.cleanError(classify(err, label, undefined, linked.deadline, this.requestTimeoutMs));
    } finally {
      linked.dispose();
      this.log(label, response, started);
    }
  }

  /** One line for `onRequest` (the CLI's --verbose): never a token, a query or a body. */
  private log(label: string, response: Response | undefined, started: number): void {
    if (!this.onRequest) return;
    try {
      this.onRequest(requestEvent(label, response, started, this.secrets));
    } catch {
      /* a logger that throws must not fail the upload */
    }
  }
}
