/**
 * The Node `fetch` + `Request` pair handed to openapi-fetch. Node's global fetch turns every body
 * into a web stream, which cost ~4x the CPU of the hashing itself on 8 MiB parts; here the bytes
 * go from our buffer to the socket as they are, through node:http(s) with a keep-alive agent, and
 * openapi-fetch, its middleware and its types work unchanged. (undici.request was measured too:
 * 0.37 vs 0.26 CPU-s per GiB sent, plus ~90 ms to load it.)
 *
 * Proxies come from HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY (see ./proxy); with none set,
 * the two agents below are all there is. TLS verification is always on, against Node's default
 * trust store, so an extra CA is added the usual Node way: NODE_EXTRA_CA_CERTS=<file.pem>.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { HeldRequest, isStreamed, readCapped, type StreamedBody, type Transport } from "../../api/transport";
import { BoxProtocolError, SourceError } from "../../core/errors";
import { CONNECT_SIGNAL, proxiesFromEnv, proxyFailure, type AgentOptions } from "./proxy";

/** Resolves when the request drains, or closes (a request destroyed while we wait never drains). */
function drained(outgoing: ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      outgoing.off("drain", done);
      outgoing.off("close", done);
      resolve();
    };
    outgoing.on("drain", done);
    outgoing.on("close", done);
  });
}

/**
 * Writes a streamed body chunk by chunk, waiting for the socket to drain, so memory holds a chunk
 * or two whatever the body's size; a source that fails or yields more than its length ends the request.
 */
async function writeStreamed(outgoing: ClientRequest, body: StreamedBody): Promise<void> {
  let written = 0;
  try {
    for await (const chunk of body.chunks()) {
      if (outgoing.destroyed) return;
      written += chunk.byteLength;
      if (written > body.length) throw new SourceError(`request body is longer than its declared ${body.length} bytes`);
      if (!outgoing.write(chunk)) await drained(outgoing);
    }
    if (written !== body.length) throw new SourceError(`request body ended at ${written} of its declared ${body.length} bytes`);
    outgoing.end();
  } catch (err) {
    outgoing.destroy(err as Error);
  }
}

/** `idleMs`: a socket with no traffic for this long is given up (ETIMEDOUT, retried by policy). */
export function createNodeTransport({ idleMs }: { idleMs: number }): Transport {
  const options: AgentOptions = { keepAlive: true, scheduling: "lifo" };
  const agents = {
    "http:": new HttpAgent(options),
    "https:": new HttpsAgent(options),
  };
  // Undefined unless a proxy variable is set now; which proxy (if any) a host gets is decided at
  // the first request to it.
  const proxies = proxiesFromEnv(options);

  function send(input: Request): Promise<Response> {
    const req = input as unknown as HeldRequest;
    const url = new URL(req.url);
    const headers: Record<string, string> = {};
    req.headers.forEach((value, name) => (headers[name] = value));
    if (req.body !== null) headers["content-length"] = String(isStreamed(req.body) ? req.body.length : Buffer.byteLength(req.body));
    const isHttps = url.protocol === "https:";
    return new Promise<Response>((resolve, reject) => {
      const route = proxies?.route(url);
      // With a proxy, the socket comes only once the proxy has answered CONNECT, and until then
      // neither setTimeout nor the caller's signal can end the request: this ends that wait.
      const connect = route ? new AbortController() : undefined;
      const outgoing = (isHttps ? httpsRequest : httpRequest)(url, {
        method: req.method,
        headers,
        agent: route ? route.agent : isHttps ? agents["https:"] : agents["http:"],
        ...(req.signal ? { signal: req.signal } : {}),
        ...(connect ? { [CONNECT_SIGNAL]: connect.signal } : {}),
      });
      const idle = () => Object.assign(new Error(`no traffic for ${idleMs} ms`), { code: "ETIMEDOUT" });
      outgoing.setTimeout(idleMs, () => outgoing.destroy(idle()));
      if (route && connect) {
        const waiting = setTimeout(() => {
          const err = idle();
          reject(err);
          connect.abort(err);
        }, idleMs);
        const aborted = () => connect.abort(req.signal?.reason);
        req.signal?.addEventListener("abort", aborted, { once: true });
        const connected = () => {
          clearTimeout(waiting);
          req.signal?.removeEventListener("abort", aborted);
        };
        outgoing.once("socket", connected);
        outgoing.once("close", connected);
        outgoing.once("error", (err) => reject(proxyFailure(err, route.proxy)));
      } else {
        outgoing.once("error", reject);
      }
      outgoing.once("response", (res) => readResponse(req, res).then(resolve, reject));
      if (isStreamed(req.body)) void writeStreamed(outgoing, req.body);
      else outgoing.end(req.body ?? undefined);
    });
  }

  return {
    fetch: send,
    Request: HeldRequest as unknown as typeof Request,
    streamedBodies: true,
    close: async () => {
      agents["http:"].destroy();
      agents["https:"].destroy();
      proxies?.destroy();
    },
  };
}

async function readResponse(req: HeldRequest, res: IncomingMessage): Promise<Response> {
  const status = res.statusCode ?? 0;
  if (!(status >= 200 && status <= 599)) {
    res.destroy();
    throw new BoxProtocolError(`${req.method} ${new URL(req.url).pathname}: the answer's status ${status} is outside HTTP's final statuses`);
  }
  const it = (res as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const body = await readCapped(
    async () => {
      const { done, value } = await it.next();
      return done ? undefined : value;
    },
    () => res.destroy(),
    status,
    `${req.method} ${new URL(req.url).pathname}`,
  );
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  const empty = status === 204 || status === 205 || status === 304 || req.method === "HEAD";
  const response = new Response(empty ? null : body, { status, headers });
  Object.defineProperty(response, "url", { value: req.url });
  return response;
}
