/**
 * One request's way through the local Box server: CORS, routing, the fault hooks (`before`,
 * `after`), auth, the operation's handler, the answer, and the two records tests read:
 * `received` (every request as it arrived) and `log` (every answer as it went out).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseContentRange } from "../wire";
import { readBody, replayBody } from "./body";
import { handleCors, type CorsLog, type CorsOptions } from "./cors";
import { RateLimiter } from "./limits";
import { errorBody, HttpError } from "./errors";
import type { TokenStore } from "./oauth";
import type { Exchange, Fault, Handlers, LoggedRequest, RequestContext, ResolvedOptions, Route } from "./options";
import { matchRoute } from "./routes";

export class Dispatch {
  readonly received: RequestContext[] = [];
  readonly log: LoggedRequest[] = [];
  readonly corsLog: CorsLog = { preflights: 0, refusedHeaders: [], refusedOrigins: [] };
  cors: CorsOptions | undefined;
  inFlight = 0;
  private readonly perRoute = new Map<Route, number>();
  /** Box's rate limits, when the server keeps them. */
  readonly limiter: RateLimiter | undefined;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly handlers: Handlers,
    private readonly tokens: TokenStore,
    private readonly isSession: (id: string) => boolean,
  ) {
    this.limiter = opts.rateLimits ? new RateLimiter(opts.rateLimits) : undefined;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    try {
      await this.handleRequest(req, res);
    } finally {
      this.inFlight--;
    }
  }

  /** What the hooks see of a request that just arrived; kept in `received`. */
  private receive(req: IncomingMessage, url: URL): RequestContext {
    const matched = matchRoute(req.method ?? "", url.pathname, this.isSession);
    const nth = this.perRoute.get(matched.route) ?? 0;
    this.perRoute.set(matched.route, nth + 1);
    const ctx: RequestContext = { ...matched, method: req.method ?? "", path: url.pathname, query: url.searchParams, headers: req.headers, at: Date.now(), nth, seq: this.received.length + 1 };
    if (matched.route === "uploadPart") {
      const range = parseContentRange(String(req.headers["content-range"] ?? ""));
      if (range) ctx.range = range;
    }
    this.received.push(ctx);
    return ctx;
  }

  private async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.cors && handleCors(req, res, this.cors, this.corsLog)) return;
    const url = new URL(req.url ?? "/", "http://x");
    // Not Box's: what a bench in another process reads back (the rate limits' account).
    if (req.method === "GET" && url.pathname === "/_local/stats") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ limits: this.limiter?.stats ?? null, requests: this.received.length }));
      return;
    }
    const ctx = this.receive(req, url);
    const { route, sessionId, fileId, folderId } = ctx;
    try {
      if (this.opts.bufferBodies) ctx.body = await readBody(req, Number.MAX_SAFE_INTEGER);
      const early = await this.opts.before?.(ctx);
      if (early) return await this.answerFault(req, res, ctx, early);
      if (this.opts.latencyMs > 0) await new Promise((r) => setTimeout(r, this.opts.latencyMs));
      // The token endpoint is the one operation that needs no bearer token.
      if (route !== "oauthToken") this.checkAuth(req);
      const wait = this.limiter?.admit(req, route);
      if (wait !== undefined) return await this.refuse(req, res, ctx, wait);
      if (route === "unknown") throw new HttpError(404, "not_found", `no route for ${req.method} ${url.pathname}`);
      const exchange: Exchange = { req: ctx.body ? replayBody(req, ctx.body) : req, url, at: ctx.at, ...(sessionId ? { sessionId } : {}), ...(fileId ? { fileId } : {}), ...(folderId ? { folderId } : {}) };
      const result = await this.handlers[route](exchange);
      const late = await this.opts.after?.(ctx, result.status);
      if (late) return await this.answerFault(req, res, ctx, late);
      this.send(req, res, ctx, result.status, result.body, result.headers);
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, "internal_server_error", String(err));
      // A client that went away mid-body is no fault of the server's: nothing to report.
      if (!(err instanceof HttpError) && !req.destroyed) console.error("local box server:", err);
      this.send(req, res, ctx, e.status, errorBody(e.status, e.code, e.message, e.contextInfo), e.headers);
    }
  }

  /** 429, as Box answers past a rate limit: the body read (and counted) first, then Retry-After in whole seconds. */
  private async refuse(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, waitMs: number): Promise<void> {
    let bytes = ctx.body?.byteLength ?? 0;
    if (!ctx.body) for await (const chunk of req as AsyncIterable<Buffer>) bytes += chunk.byteLength;
    this.limiter!.stats.refusedBodyBytes += bytes;
    const body = errorBody(429, "rate_limit_exceeded", "Request rate limit exceeded, please try again later");
    this.send(req, res, ctx, 429, body, { "retry-after": String(Math.max(1, Math.ceil(waitMs / 1000))) });
  }

  private async answerFault(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, fault: Fault): Promise<void> {
    if (fault === "drop") {
      this.record(req, ctx, 0);
      req.socket.destroy();
    } else if ("raw" in fault) {
      // Logged once the response is over, whatever the fault wrote (0: nothing, the connection closed).
      res.once("close", () => this.record(req, ctx, res.headersSent ? res.statusCode : 0));
      await fault.raw(req, res);
    } else {
      const body = fault.body ?? errorBody(fault.status, "injected_fault", "fault injected by the test");
      this.send(req, res, ctx, fault.status, body, fault.headers);
    }
  }

  private record(req: IncomingMessage, ctx: RequestContext, status: number): void {
    const r = req.headers["content-range"];
    this.log.push({
      route: ctx.route,
      method: ctx.method,
      path: ctx.path,
      status,
      ...(typeof r === "string" ? { contentRange: r } : {}),
      seq: ctx.seq,
      at: ctx.at,
      headers: ctx.headers,
      ...(ctx.sessionId ? { sessionId: ctx.sessionId } : {}),
      ...(ctx.body ? { body: ctx.body } : {}),
    });
  }

  private send(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: RequestContext,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    this.record(req, ctx, status);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    res.writeHead(status, {
      ...(payload ? { "content-type": "application/json", "content-length": String(payload.byteLength) } : {}),
      // A request whose body we did not read (an early error) must not poison the keep-alive socket.
      ...(req.complete ? {} : { connection: "close" }),
      ...headers,
    });
    res.end(payload);
  }

  /**
   * A bearer token issued by the token endpoint is good until it expires. Any other is checked
   * against the `token` option: DEFAULT_TOKEN unless the test gave its own string or predicate.
   */
  private checkAuth(req: IncomingMessage): void {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "");
    const issued = m ? this.tokens.check(m[1]!) : undefined;
    const ok =
      issued !== undefined
        ? issued === "valid"
        : m && (typeof this.opts.token === "function" ? this.opts.token(m[1]!) : m[1] === this.opts.token);
    if (!ok) {
      throw new HttpError(401, "unauthorized", "missing, invalid or expired access token", {
        "www-authenticate": 'Bearer realm="Box", error="invalid_token"',
      });
    }
  }
}
