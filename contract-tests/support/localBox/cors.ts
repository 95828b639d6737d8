/**
 * CORS for the local Box server, so a page on another loopback origin can call it the way a web
 * app calls Box: preflights (OPTIONS with Access-Control-Request-Method) are answered here and
 * never reach the routes (Box's own `OPTIONS /files/content` preflight check carries no such
 * header); every other answer to an allowed origin gets Access-Control-Allow-Origin and the
 * exposed headers. Like Box, an origin not on the app's list gets 403 cors_origin_not_whitelisted.
 *
 * The allowed request headers are deliberately only those our client sends: a header added to
 * the client without being allowed here fails the browser test, as it would fail against Box.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export interface CorsOptions {
  /** Origins allowed to call (Box: the app's allowed origins in the developer console). */
  origins: string[];
}

export const CORS_ALLOWED_METHODS = ["GET", "POST", "PUT", "DELETE", "OPTIONS"];
/** Request headers the client may send across origins. */
export const CORS_ALLOWED_HEADERS = ["authorization", "content-type", "digest", "content-range", "content-md5", "if-match", "if-none-match"];
/** Response headers the client reads (the rest of a cross-origin answer's headers are hidden from the page). */
export const CORS_EXPOSED_HEADERS = ["retry-after", "box-request-id", "etag"];

/** What the CORS layer saw, for tests: preflights answered, and headers a preflight asked for that are not allowed. */
export interface CorsLog {
  preflights: number;
  refusedHeaders: string[];
  refusedOrigins: string[];
}

/** Returns true when it answered the request itself (a preflight, or an origin not allowed). */
export function handleCors(req: IncomingMessage, res: ServerResponse, cors: CorsOptions, log: CorsLog): boolean {
  const origin = req.headers.origin;
  if (typeof origin !== "string") return false;
  if (!cors.origins.includes(origin)) {
    log.refusedOrigins.push(origin);
    const body = JSON.stringify({
      type: "error",
      status: 403,
      code: "cors_origin_not_whitelisted",
      context_info: { origin },
      message: "Access denied - the origin is not in the app's CORS allowed origins",
    });
    res.writeHead(403, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
    res.end(body);
    return true;
  }
  res.setHeader("access-control-allow-origin", origin);
  res.setHeader("vary", "Origin");
  const method = req.headers["access-control-request-method"];
  if (req.method !== "OPTIONS" || typeof method !== "string") {
    res.setHeader("access-control-expose-headers", CORS_EXPOSED_HEADERS.join(", "));
    return false;
  }
  log.preflights++;
  const asked = String(req.headers["access-control-request-headers"] ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const refused = asked.filter((h) => !CORS_ALLOWED_HEADERS.includes(h));
  log.refusedHeaders.push(...refused);
  // A preflight's body (there is none) is drained so the keep-alive socket stays usable.
  req.resume();
  res.writeHead(204, {
    "access-control-allow-methods": CORS_ALLOWED_METHODS.join(", "),
    "access-control-allow-headers": CORS_ALLOWED_HEADERS.join(", "),
    "access-control-max-age": "600",
    "content-length": "0",
  });
  res.end();
  return true;
}
