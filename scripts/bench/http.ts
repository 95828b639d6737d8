/**
 * The smallest HTTP client the reference measurements need: node:http (or node:https, for an
 * https:// URL) over a keep-alive Agent, the body handed to the socket as it is (no streams, no
 * copies), the answer read whole. Over HTTPS the server is trusted the usual Node way (the default
 * store plus NODE_EXTRA_CA_CERTS), as every other client in the bench is.
 */
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

export interface Answer {
  status: number;
  body: Buffer;
}

/** A keep-alive agent for `url`'s scheme (http: by default), with at most `sockets` connections. */
export function keepAliveAgent(sockets: number, url = "http:"): HttpAgent {
  const options = { keepAlive: true, maxSockets: sockets };
  return isHttps(url) ? new HttpsAgent(options) : new HttpAgent(options);
}

function isHttps(url: string): boolean {
  return url.startsWith("https:");
}

export function send(
  agent: HttpAgent,
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string | Uint8Array,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const length = body === undefined ? 0 : typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
    const request = isHttps(url) ? httpsRequest : httpRequest;
    const req = request(url, { agent, method, headers: { ...headers, "content-length": String(length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.once("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.once("error", reject);
    });
    req.once("error", reject);
    req.end(body);
  });
}

/** The JSON answer of a request that must have answered `status`. */
export function expectJson<T>(what: string, answer: Answer, status: number): T {
  if (answer.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${answer.status}: ${answer.body.toString("utf8").slice(0, 300)}`);
  }
  return JSON.parse(answer.body.toString("utf8")) as T;
}
