/**
 * The smallest HTTP client the reference measurements need: node:http over a keep-alive Agent,
 * the body handed to the socket as it is (no streams, no copies), the answer read whole.
 */
import { Agent, request } from "node:http";

export interface Answer {
  status: number;
  body: Buffer;
}

export function keepAliveAgent(sockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: sockets });
}

export function send(
  agent: Agent,
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string | Uint8Array,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const length = body === undefined ? 0 : typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
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
