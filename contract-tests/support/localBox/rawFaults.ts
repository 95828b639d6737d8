/**
 * Ready-made `raw` faults: answers written byte for byte as a misbehaving server would write them,
 * which a canned fault (always well-formed JSON) cannot: a body that is not JSON, a Box error of the
 * test's own making, an HTML error page, or no answer at all.
 */
import type { Fault } from "./options";

/** `body` as application/json with its Content-Length: a string as it is (truncated JSON, "", any text), anything else as JSON. */
export function jsonAnswer(status: number, body: unknown, headers: Record<string, string> = {}): Fault {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return {
    raw: (_req, res) => {
      res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...headers });
      res.end(text);
    },
  };
}

/** Box's error shape with the test's own code, message and fields (`extra` may replace any of them). */
export function boxErrorAnswer(status: number, code: string, message: string, extra: Record<string, unknown> = {}): Fault {
  return jsonAnswer(status, { type: "error", status, code, message, request_id: "abc123", ...extra });
}

const HTML = "<html><body><h1>502 Bad Gateway</h1></body></html>";

/** A proxy's HTML error page, with `status`. */
export function htmlAnswer(status: number): Fault {
  return {
    raw: (_req, res) => {
      res.writeHead(status, { "content-type": "text/html", "content-length": String(HTML.length) }).end(HTML);
    },
  };
}

/** No answer: the request hangs until the client gives up or the server stops. */
export const NO_ANSWER: Fault = { raw: () => undefined };
