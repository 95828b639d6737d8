/**
 * A byte-exact forwarding proxy for end-to-end tests: client -> proxy -> local Box server. Every
 * exchange is passed on untouched, whatever its path (the upload host's /api/2.0, the API host's
 * /2.0, /oauth2/token) and body (JSON, raw parts, multipart uploads, token forms); Prism's own
 * proxy re-encodes binary bodies and corrupts parts. On the side, each exchange is checked
 * against the fragment with Prism's validator (@stoplight/prism-http), request and response, and
 * against the host the fragment puts the operation on, and an As-User header against Box's rules
 * for it. Tests assert that `violations` stays empty.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getHttpOperationsFromSpec, type IHttpRequest } from "@stoplight/prism-http";
import route from "@stoplight/prism-http/dist/router";
import { validateInput, validateOutput } from "@stoplight/prism-http/dist/validator";
import { boundaryOf, MultipartParser, type PartInfo } from "./localBox/multipart";
import { SPEC } from "./paths";

export interface Violation {
  exchange: string;
  side: "request" | "response" | "route";
  message: string;
}

type IHttpOperation = Parameters<typeof route>[0]["resources"][number];

/**
 * The fragment's paths sit below a server's path: /api/2.0 on the upload host (the default
 * server), /2.0 on the API host, nothing for the token endpoint at the API host's origin. The
 * local server serves all three on one port, and so does this proxy.
 */
const UPLOAD_PREFIX = "/api/2.0";
const API_PREFIX = "/2.0";

export class ValidatingProxy {
  readonly violations: Violation[] = [];
  exchanges = 0;
  private server: Server | undefined;
  private origin = "";
  private operations: IHttpOperation[] = [];
  private readonly upstream: URL;

  constructor(upstreamBaseUrl: string) {
    this.upstream = new URL(upstreamBaseUrl);
  }

  /** Base URL of the API host through this proxy (`<origin>/2.0`); the token endpoint is at its origin. */
  get apiBaseUrl(): string {
    return `${this.origin}${API_PREFIX}`;
  }

  /** Starts listening; returns the upload host's base URL (`<origin>/api/2.0`) to give the client. */
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
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return `${this.origin}${UPLOAD_PREFIX}`;
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
    const prefix = [UPLOAD_PREFIX, API_PREFIX].find((p) => url.pathname.startsWith(`${p}/`)) ?? "";
    const path = url.pathname.slice(prefix.length);
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => (query[k] = v));
    const contentType = String(reqHeaders["content-type"] ?? "");
    const input: IHttpRequest = {
      method: method.toLowerCase() as IHttpRequest["method"],
      url: { path, query },
      headers: flatten(reqHeaders),
      // Prism validates text; latin1 maps each byte to one character, so binary parts pass unharmed.
      ...(reqBody.byteLength ? { body: contentType.includes("json") ? parseJson(reqBody) : forValidation(reqBody, contentType).toString("latin1") } : {}),
    };
    const matched = route({ resources: this.operations, input });
    if (matched._tag === "Left") {
      this.violations.push({ exchange, side: "route", message: matched.left.message });
      return;
    }
    const operation = matched.right;
    // As-User, which Box documents outside its OpenAPI description (see the fragment's
    // x-deviations): a user's ID, digits only, and never sent to the token endpoint.
    const asUser = reqHeaders["as-user"];
    if (asUser !== undefined) {
      if (url.pathname === "/oauth2/token") this.violations.push({ exchange, side: "request", message: "As-User sent to the token endpoint" });
      else if (typeof asUser !== "string" || !/^\d+$/.test(asUser)) this.violations.push({ exchange, side: "request", message: `As-User ${JSON.stringify(asUser)} is not a user ID` });
    }
    // Prism routes on the path alone; the prefix tells which host the request went to.
    const servers = (operation.servers ?? []).map((s) => new URL(s.url).pathname.replace(/\/$/, ""));
    if (servers.length > 0 && !servers.includes(prefix)) {
      this.violations.push({ exchange, side: "route", message: `sent below ${JSON.stringify(prefix)}, but the fragment serves it below ${servers.map((s) => JSON.stringify(s)).join(" or ")}` });
    }
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

/**
 * The request body Prism is given. A multipart upload is validated with each file part's bytes
 * replaced by a short stand-in: Prism's multipart reader walks the body byte by byte (about 10 s
 * for a 20 MB upload), and the fragment only asks of a file part that it be there (a binary
 * string). Part names, order, headers that matter and the attributes text are kept as sent; a
 * body our parser cannot read goes to Prism as it is. Only validation sees this: the upstream
 * gets the exact bytes.
 */
function forValidation(body: Buffer, contentType: string): Buffer {
  const boundary = boundaryOf(contentType);
  if (!boundary) return body;
  const parts: { info: PartInfo; data: Buffer[]; size: number }[] = [];
  const parser = new MultipartParser(boundary, {
    part: (info) => parts.push({ info, data: [], size: 0 }),
    data: (chunk) => {
      const part = parts[parts.length - 1]!;
      part.size += chunk.byteLength;
      if (part.info.filename === undefined) part.data.push(Buffer.from(chunk));
    },
    partEnd: () => undefined,
  });
  try {
    parser.write(body);
    parser.end();
  } catch {
    return body;
  }
  const quote = (v: string) => `"${v.replace(/["\\]/g, "\\$&")}"`;
  const out = parts.map(({ info, data, size }) => {
    const disposition = `form-data${info.name !== undefined ? `; name=${quote(info.name)}` : ""}${info.filename !== undefined ? `; filename=${quote(info.filename)}` : ""}`;
    const head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${info.contentType ? `Content-Type: ${info.contentType}\r\n` : ""}\r\n`;
    const content = info.filename === undefined ? Buffer.concat(data) : Buffer.from(`<${size} bytes>`);
    return Buffer.concat([Buffer.from(head, "latin1"), content, Buffer.from("\r\n")]);
  });
  return Buffer.concat([...out, Buffer.from(`--${boundary}--\r\n`)]);
}
