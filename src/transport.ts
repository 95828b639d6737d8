/**
 * The default `fetch` + `Request` pair handed to openapi-fetch. Node's global fetch turns every
 * body into a web stream, which cost ~4x the CPU of the hashing itself on 8 MiB parts; here the
 * bytes go from our buffer to undici's socket as they are (undici.request, keep-alive pool), and
 * openapi-fetch, its middleware and its types work unchanged.
 */
import { Agent, request } from "undici";
import { BoxProtocolError } from "./errors";

/** Every answer in this API is a small JSON document; anything larger is refused, not buffered. */
const MAX_RESPONSE_BODY = 4 * 1024 * 1024;

/** Holds the body exactly as openapi-fetch serialized it: JSON text, or the part's bytes. */
export class RawRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: string | Uint8Array | null;
  readonly signal: AbortSignal | null;

  constructor(input: string | URL, init: RequestInit = {}) {
    this.url = String(input);
    this.method = (init.method ?? "GET").toUpperCase();
    this.headers = new Headers(init.headers);
    const body = init.body ?? null;
    if (body !== null && typeof body !== "string" && !(body instanceof Uint8Array)) {
      throw new TypeError("RawRequest bodies must be strings or Uint8Arrays");
    }
    this.body = body;
    this.signal = init.signal ?? null;
  }
}

export interface Transport {
  fetch: (request: Request) => Promise<Response>;
  Request: typeof Request;
  close(): Promise<void>;
}

export function createTransport(): Transport {
  const dispatcher = new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000 });

  async function send(input: Request): Promise<Response> {
    const req = input as unknown as RawRequest;
    const headers: Record<string, string> = {};
    req.headers.forEach((value, name) => (headers[name] = value));
    const res = await request(req.url, {
      method: req.method as "GET",
      headers,
      body: req.body,
      dispatcher,
      ...(req.signal ? { signal: req.signal } : {}),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    for await (const chunk of res.body) {
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size > MAX_RESPONSE_BODY) {
        res.body.destroy();
        // An error body is only read for its message: keep the head. A success body that large is not Box.
        if (!ok) break;
        throw new BoxProtocolError(`${req.method} ${new URL(req.url).pathname}: response body over ${MAX_RESPONSE_BODY} bytes`);
      }
    }
    const out = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) out.append(name, v);
    }
    const empty = res.statusCode === 204 || res.statusCode === 205 || res.statusCode === 304 || req.method === "HEAD";
    const response = new Response(empty ? null : Buffer.concat(chunks, size), { status: res.statusCode, headers: out });
    Object.defineProperty(response, "url", { value: req.url });
    return response;
  }

  return {
    fetch: send,
    Request: RawRequest as unknown as typeof Request,
    close: () => dispatcher.close(),
  };
}
