/**
 * A byte-exact forwarding proxy for end-to-end tests: client -> proxy -> local Box server. Every
 * exchange is passed on untouched (Prism's own proxy re-encodes binary bodies and corrupts parts)
 * and, on the side, checked against the fragment with Prism's validator (@stoplight/prism-http),
 * request and response. Tests assert that `violations` stays empty.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getHttpOperationsFromSpec, type IHttpRequest } from "@stoplight/prism-http";
import route from "@stoplight/prism-http/dist/router";
import { validateInput, validateOutput } from "@stoplight/prism-http/dist/validator";
import { SPEC } from "./paths";

export interface Violation {
  exchange: string;
  side: "request" | "response" | "route";
  message: string;
}

type IHttpOperation = Parameters<typeof route>[0]["resources"][number];

/** The fragment's server is https://upload.box.com/api/2.0; paths are matched below that prefix. */
const API_PREFIX = "/api/2.0";

export class ValidatingProxy {
  readonly violations: Violation[] = [];
  exchanges = 0;
  private server: Server | undefined;
  private operations: IHttpOperation[] = [];
  private readonly upstream: URL;

  constructor(upstreamBaseUrl: string) {
    this.upstream = new URL(upstreamBaseUrl);
  }

  /** Starts listening; returns the API base URL to give the client. */
  async start(): Promise<string> {
    this.operations = await getHttpOperationsFromSpec(SPEC);
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const headers = { ...req.headers, host: this.upstream.host };
        const up = httpRequest(
          { host: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers },
          (upRes) => {
            const out: Buffer[] = [];
            upRes.on("data", (c: Buffer) => out.push(c));
            upRes.on("end", () => {
              const resBody = Buffer.concat(out);
              res.writeHead(upRes.statusCode ?? 502, upRes.rawHeaders);
              res.end(resBody);
              this.check(req.method ?? "GET", req.url ?? "/", req.headers, body, upRes.statusCode ?? 0, upRes.headers, resBody);
            });
            upRes.on("error", () => res.destroy());
          },
        );
        // The server dropping the connection (an injected fault) is passed on as a dropped connection.
        up.on("error", () => res.destroy());
        up.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", () => resolve()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${API_PREFIX}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private check(
    method: string,
    rawUrl: string,
    reqHeaders: IncomingHttpHeaders,
    reqBody: Buffer,
    status: number,
    resHeaders: IncomingHttpHeaders,
    resBody: Buffer,
  ): void {
    this.exchanges++;
    const url = new URL(rawUrl, "http://proxy");
    const exchange = `${method} ${url.pathname} -> ${status}`;
    const path = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) : url.pathname;
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => (query[k] = v));
    const contentType = String(reqHeaders["content-type"] ?? "");
    const input: IHttpRequest = {
      method: method.toLowerCase() as IHttpRequest["method"],
      url: { path, query },
      headers: flatten(reqHeaders),
      // Prism validates text; latin1 maps each byte to one character, so binary parts pass unharmed.
      ...(reqBody.byteLength ? { body: contentType.includes("json") ? parseJson(reqBody) : reqBody.toString("latin1") } : {}),
    };
    const matched = route({ resources: this.operations, input });
    if (matched._tag === "Left") {
      this.violations.push({ exchange, side: "route", message: matched.left.message });
      return;
    }
    const operation = matched.right;
    const inResult = validateInput({ resource: operation, element: input });
    if (inResult._tag === "Left") {
      for (const d of inResult.left) this.violations.push({ exchange, side: "request", message: `${d.path?.join(".") ?? ""} ${d.message}` });
    }
    const outResult = validateOutput({
      resource: operation,
      element: {
        statusCode: status,
        headers: flatten(resHeaders),
        ...(resBody.byteLength ? { body: parseJson(resBody) } : {}),
      },
    });
    if (outResult._tag === "Left") {
      for (const d of outResult.left) this.violations.push({ exchange, side: "response", message: `${d.path?.join(".") ?? ""} ${d.message}` });
    }
  }
}

function flatten(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return body.toString("utf8");
  }
}
