/**
 * The browser's transport: the runtime's own fetch, with bodies as bytes. Chromium sends a
 * streamed request body (a ReadableStream with duplex: "half") only over HTTP/2 or later, so a
 * streamed body (a direct upload's multipart body, a part followed byte by byte) is gathered into
 * a Blob first: a part is already in memory, and a direct upload is below the chunked threshold.
 *
 * Only headers Box's CORS answer allows leave here: the User-Agent the API layer sets is dropped
 * (browsers refuse to set it, and where one did it would have to be allowed by the preflight).
 */
import { HeldRequest, isStreamed, readCapped, type StreamedBody, type Transport } from "../../api/transport";
import { BoxProtocolError, SourceError } from "../../core/errors";

/**
 * A streamed body's bytes as one Blob, checked against its declared length. A part followed in
 * 1 MiB slices is one view of one buffer: it becomes a Blob of that one view. Measured on 200 MB
 * in 8 MiB parts (SHA-1 in the worker): a Blob of the eight slices gave main-thread tasks up to
 * 92-117 ms, a Blob of the one view 59 ms; handing fetch the view itself (no Blob) fell to
 * 6 MB/s from 48. The Blob copies, so the part's buffer may be reused as soon as this returns.
 */
async function gathered(body: StreamedBody): Promise<Blob> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let size = 0;
  let contiguous = true;
  for await (const chunk of body.chunks()) {
    const last = parts[parts.length - 1];
    if (last && (chunk.buffer !== last.buffer || chunk.byteOffset !== last.byteOffset + last.byteLength)) contiguous = false;
    size += chunk.byteLength;
    if (size > body.length) throw new SourceError(`request body is longer than its declared ${body.length} bytes`);
    parts.push(chunk as Uint8Array<ArrayBuffer>);
  }
  if (size !== body.length) throw new SourceError(`request body ended at ${size} of its declared ${body.length} bytes`);
  if (contiguous && parts.length > 0) return new Blob([new Uint8Array(parts[0]!.buffer, parts[0]!.byteOffset, size)]);
  return new Blob(parts);
}

/**
 * A fetch that fails below HTTP rejects with a bare TypeError, whatever happened (refused, reset,
 * or a CORS answer that did not allow the request). We cannot tell whether the server acted on
 * it, so it is reported as a connection that broke mid-way: retried, and looked up before a resend.
 */
function networkFailure(err: unknown, label: string): unknown {
  if ((err as { name?: unknown })?.name !== "TypeError") return err;
  const message = `${label}: the request failed below HTTP (network, or a CORS answer that refused it): ${String((err as Error).message)}`;
  return Object.assign(new Error(message, { cause: err }), { code: "ECONNRESET" });
}

export function createBrowserTransport(): Transport {
  const fetchNow = globalThis.fetch.bind(globalThis);

  async function send(input: Request): Promise<Response> {
    const req = input as unknown as HeldRequest;
    const label = `${req.method} ${new URL(req.url).pathname}`;
    const headers = new Headers(req.headers);
    headers.delete("user-agent");
    let body: BodyInit | null = null;
    if (isStreamed(req.body)) body = await gathered(req.body);
    else if (req.body !== null) body = req.body as BodyInit;
    let res: Response;
    try {
      // A redirect is never followed (it would take a part's bytes, or the token, where we did not choose).
      res = await fetchNow(req.url, { method: req.method, headers, body, redirect: "manual", credentials: "omit", ...(req.signal ? { signal: req.signal } : {}) });
    } catch (err) {
      throw networkFailure(err, label);
    }
    if (res.type === "opaqueredirect") throw new BoxProtocolError(`${label}: the server answered with a redirect, which is not followed`);
    const reader = res.body?.getReader();
    const bytes = reader
      ? await readCapped(
          async () => {
            const { done, value } = await reader.read();
            return done ? undefined : value;
          },
          () => void reader.cancel().catch(() => undefined),
          res.status,
          label,
        ).catch((err: unknown) => {
          throw networkFailure(err, label);
        })
      : new Uint8Array(0);
    const empty = res.status === 204 || res.status === 205 || res.status === 304 || req.method === "HEAD";
    const response = new Response(empty ? null : bytes, { status: res.status, statusText: res.statusText, headers: res.headers });
    Object.defineProperty(response, "url", { value: req.url });
    return response;
  }

  return {
    fetch: send,
    Request: HeldRequest as unknown as typeof Request,
    streamedBodies: true,
    close: async () => {},
  };
}
