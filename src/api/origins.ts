/**
 * Where the token may go. A client trusts its two base URLs' origins (the upload host and the API
 * host), Box's other upload hosts when the upload base URL is Box's own, and origins the caller
 * names; nothing else ever receives the token. The one
 * rule for following the URLs Box hands out in a session's `session_endpoints` lives here too.
 */
import { BoxInputError } from "../core/errors";

export const BOX_UPLOAD_BASE_URL = "https://upload.box.com/api/2.0";
/** Box's API host: file metadata, preflight checks, folders; the token endpoint is at its origin. */
export const BOX_API_BASE_URL = "https://api.box.com/2.0";
/** Hosts Box hands out in `session_endpoints`; trusted only when the base URL is Box's own. */
const BOX_UPLOAD_ORIGINS = ["https://upload.box.com", "https://upload.app.box.com"];

/** Each session endpoint, and what follows `/files/upload_sessions/<id>` in its URL. */
const ENDPOINT_SUFFIX = { upload_part: "", abort: "", status: "", list_parts: "/parts", commit: "/commit", plan: "/plan" } as const;
export type SessionEndpoint = keyof typeof ENDPOINT_SUFFIX;

/**
 * Box's API host when the upload host is Box's; otherwise the upload host's own origin with Box's
 * API path (`/2.0`), as a local or self-hosted stand-in serves both. So a client pointed at a test
 * server never reaches out to api.box.com, and the token only goes to an origin already trusted.
 */
function defaultApiBase(baseUrl: string): string {
  const origin = new URL(baseUrl).origin;
  return BOX_UPLOAD_ORIGINS.includes(origin) ? BOX_API_BASE_URL : `${origin}/2.0`;
}

export class Origins {
  readonly baseUrl: string;
  readonly apiBaseUrl: string;
  /** `POST /oauth2/token` lives at the API host's origin, outside its /2.0 prefix. */
  readonly tokenBaseUrl: string;
  private readonly trusted: Set<string>;

  constructor(baseUrl: string | undefined, apiBaseUrl: string | undefined, extra: string[] | undefined) {
    this.baseUrl = checkBaseUrl("baseUrl", baseUrl ?? BOX_UPLOAD_BASE_URL).replace(/\/+$/, "");
    this.apiBaseUrl = checkBaseUrl("apiBaseUrl", apiBaseUrl ?? defaultApiBase(this.baseUrl)).replace(/\/+$/, "");
    this.tokenBaseUrl = new URL(this.apiBaseUrl).origin;
    const origin = new URL(this.baseUrl).origin;
    const boxOrigins = BOX_UPLOAD_ORIGINS.includes(origin) ? BOX_UPLOAD_ORIGINS : [];
    if (extra !== undefined && !Array.isArray(extra)) throw new BoxInputError("trustedOrigins", "must be an array of URLs");
    const named = (extra ?? []).map((o) => new URL(checkBaseUrl("trustedOrigins", o)).origin);
    this.trusted = new Set([origin, this.tokenBaseUrl, ...boxOrigins, ...named]);
  }

  /** True when `url` may receive our token. */
  isTrusted(url: string): boolean {
    try {
      return this.trusted.has(new URL(url).origin);
    } catch {
      return false;
    }
  }

  /**
   * The base URL to reach a session's `endpoint` at, or undefined for the client's own. Box asks
   * clients to call the URLs it hands out; we do so only when the URL has the expected shape
   * (`<base>/files/upload_sessions/<id>[/…]`) and its origin is trusted: it will get our token.
   */
  sessionBase(session: { id?: string; session_endpoints?: Partial<Record<SessionEndpoint, string>> }, endpoint: SessionEndpoint = "upload_part"): string | undefined {
    const url = session.session_endpoints?.[endpoint];
    if (typeof url !== "string" || typeof session.id !== "string") return undefined;
    const suffix = `/files/upload_sessions/${session.id}${ENDPOINT_SUFFIX[endpoint]}`;
    if (!url.endsWith(suffix) || !this.isTrusted(url)) return undefined;
    const base = url.slice(0, -suffix.length);
    return base === this.baseUrl ? undefined : base;
  }
}

function isLoopback(hostname: string): boolean {
  if (hostname === "localhost" || hostname === "[::1]") return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(hostname);
  return m !== null && m.slice(1).every((n) => Number(n) <= 255);
}

/** An absolute https URL without credentials; plain http only for loopback addresses. */
export function checkBaseUrl(argument: string, value: unknown): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new BoxInputError(argument, "must be an absolute URL");
  }
  if (url.username || url.password) throw new BoxInputError(argument, "must not carry credentials");
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.hostname))) {
    throw new BoxInputError(argument, "must be https (plain http only for loopback addresses)");
  }
  return String(value);
}
