/**
 * What the API layer needs from a runtime's HTTP stack, and the one cap on response bodies that
 * every stack shares. Every answer in this API is a small JSON document: success bodies over
 * MAX_RESPONSE_BODY are refused, not buffered; error bodies are read only for their message, so
 * the head is kept and the rest never read.
 */
import type { Middleware } from "openapi-fetch";
import { BoxProtocolError } from "../core/errors";

export const MAX_RESPONSE_BODY = 4 * 1024 * 1024;
export const MAX_ERROR_BODY = 64 * 1024;

/** A request body sent as it is produced: an exact length, and the bytes in order. */
export interface StreamedBody {
  readonly length: number;
  chunks(): AsyncIterable<Uint8Array>;
}

/** A fetch, with the Request class it expects, and a way to drop its idle connections. */
export interface Transport {
  fetch: (request: Request) => Promise<Response>;
  /** A Request class of the transport's own (the Node one keeps bodies as bytes); default global. */
  Request?: typeof Request;
  /** True when request bodies may be a StreamedBody, sent with its exact length as it is produced. */
  streamedBodies?: boolean;
  close(): Promise<void>;
}

/**
 * Reads a body through `next` (undefined = end) within the cap for `status`. An error body is cut
 * at the cap; a success body over it is a BoxProtocolError. `stop` drops the unread rest.
 */
export async function readCapped(
  next: () => Promise<Uint8Array | undefined>,
  stop: () => void,
  status: number,
  what: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const ok = status >= 200 && status < 300;
  const limit = ok ? MAX_RESPONSE_BODY : MAX_ERROR_BODY;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let chunk = await next(); chunk; chunk = await next()) {
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size > limit) {
      stop();
      if (ok) throw new BoxProtocolError(`${what}: response body over ${MAX_RESPONSE_BODY} bytes`);
      size = limit;
      break;
    }
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    const take = Math.min(chunk.byteLength, size - at);
    out.set(take === chunk.byteLength ? chunk : chunk.subarray(0, take), at);
    at += take;
    if (at === size) break;
  }
  return out;
}

/** The same cap for a caller-supplied fetch, whose responses arrive as web streams. */
export const capBodies: Middleware = {
  async onResponse({ request, response }) {
    if (!response.body) return undefined;
    const reader = response.body.getReader();
    const body = await readCapped(
      async () => {
        const { done, value } = await reader.read();
        return done ? undefined : value;
      },
      () => void reader.cancel().catch(() => undefined),
      response.status,
      `${request.method} ${new URL(request.url).pathname}`,
    );
    const empty = response.status === 204 || response.status === 205 || response.status === 304;
    const capped = new Response(empty ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers });
    Object.defineProperty(capped, "url", { value: response.url });
    return capped;
  },
};

/** Counts the bytes of a streamed body as they are handed to the transport. */
export function counted(body: StreamedBody, onSent: ((bytes: number) => void) | undefined): StreamedBody {
  if (!onSent) return body;
  return {
    length: body.length,
    async *chunks() {
      let sent = 0;
      for await (const chunk of body.chunks()) {
        yield chunk;
        sent += chunk.byteLength;
        onSent(sent);
      }
    },
  };
}

/** Bytes in memory as a streamed body of views (no copies), so their sending can be followed. */
export function sliced(bytes: Uint8Array, slice: number): StreamedBody {
  return {
    length: bytes.byteLength,
    async *chunks() {
      for (let at = 0; at < bytes.byteLength; at += slice) yield bytes.subarray(at, at + slice);
    },
  };
}

export function isStreamed(body: unknown): body is StreamedBody {
  return typeof body === "object" && body !== null && typeof (body as StreamedBody).chunks === "function" && Number.isSafeInteger((body as StreamedBody).length);
}

/**
 * The `Request` class a platform transport hands openapi-fetch: it holds the body exactly as
 * serialized (JSON text, a part's bytes, or a streamed body), where the global Request would turn
 * it into a web stream first.
 */
export class HeldRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: string | Uint8Array | StreamedBody | null;
  readonly signal: AbortSignal | null;

  constructor(input: string | URL, init: RequestInit = {}) {
    this.url = String(input);
    this.method = (init.method ?? "GET").toUpperCase();
    this.headers = new Headers(init.headers);
    const body: unknown = init.body ?? null;
    if (body !== null && typeof body !== "string" && !(body instanceof Uint8Array) && !isStreamed(body)) {
      throw new TypeError("request bodies must be strings, Uint8Arrays or streamed bodies");
    }
    this.body = body as HeldRequest["body"];
    this.signal = init.signal ?? null;
  }
}
