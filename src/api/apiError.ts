/** What failed calls become: BoxApiError for non-2xx answers, and our other errors for the rest. */
import { BoxApiError, BoxNetworkError, BoxProtocolError, BoxUploadError, UploadAbortedError } from "../core/errors";
import { networkCode } from "../core/retry";
import { parseRetryAfter } from "../core/retryAfter";

export function toApiError(method: string, response: Response, body: unknown): BoxApiError {
  const fields = body && typeof body === "object" ? (body as Record<string, unknown>) : {};
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const url = new URL(response.url || "http://unknown/");
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
  // A 407 is the proxy's answer, not Box's: say so, or the message blames Box's URL.
  const proxied = response.status === 407 ? "the proxy refused to forward the request (407): " : "";
  return new BoxApiError({
    status: response.status,
    method,
    url: `${url.origin}${url.pathname}`,
    code: str(fields.code),
    message: `${proxied}${str(fields.message) ?? (typeof body === "string" ? body.slice(0, 200) : "")}` || undefined,
    requestId: str(fields.request_id),
    contextInfo: (fields.context_info as Record<string, unknown> | null | undefined) ?? undefined,
    helpUrl: str(fields.help_url),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/**
 * What a 409 names in `context_info.conflicts` (Box sends one item or an array of them), as a
 * list, unchecked; empty for any other error.
 */
export function conflictsOf(err: unknown): unknown[] {
  if (!(err instanceof BoxApiError) || err.status !== 409) return [];
  const conflicts = err.contextInfo?.conflicts;
  return Array.isArray(conflicts) ? conflicts : conflicts ? [conflicts] : [];
}

/**
 * What a failed call becomes: our errors pass as they are; the caller's abort is UploadAbortedError,
 * our deadline BoxNetworkError ETIMEDOUT; a failure below HTTP is BoxNetworkError with its code; an
 * answer that is not HTTP or not JSON (parser errors, SyntaxError, a status Response refuses) is
 * BoxProtocolError. Never a bare SyntaxError, RangeError or TypeError.
 */
/** Node's codes for a TLS peer that failed verification. */
const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REVOKED",
]);

export function classify(err: unknown, label: string, caller: AbortSignal | undefined, deadline: AbortSignal, timeoutMs: number): unknown {
  if (err instanceof BoxUploadError) return err;
  if (caller?.aborted) return new UploadAbortedError(undefined, { cause: caller.reason });
  if (deadline.aborted) return new BoxNetworkError("ETIMEDOUT", `${label}: no complete answer within ${timeoutMs} ms`, { cause: err });
  const code = networkCode(err);
  if (code !== undefined) return new BoxNetworkError(code, `${label}: ${code} (${(err as Error)?.message ?? "network error"})`, { cause: err });
  const raw = (err as { code?: unknown })?.code;
  // A certificate we cannot trust, or a host name that does not resolve: typed, and not retried
  // (the retry policy only retries the codes it knows).
  if (typeof raw === "string" && (TLS_CODES.has(raw) || raw.startsWith("ERR_TLS_") || raw === "ENOTFOUND")) {
    return new BoxNetworkError(raw, `${label}: ${raw} (${String((err as { message?: unknown }).message ?? "")})`, { cause: err });
  }
  if (typeof raw === "string" && raw.startsWith("HPE_")) return new BoxProtocolError(`${label}: the answer is not valid HTTP (${raw})`, { cause: err });
  // By name, not instanceof: these come from the runtime's Response/JSON, which may belong to
  // another realm than the caller's (jest, vm), where instanceof fails.
  const { name, message } = (err ?? {}) as { name?: unknown; message?: unknown };
  if (name === "SyntaxError") return new BoxProtocolError(`${label}: the answer's body is not the JSON the API documents`, { cause: err });
  if (name === "RangeError") return new BoxProtocolError(`${label}: the answer is outside HTTP (${String(message)})`, { cause: err });
  if (name === "TypeError") return new BoxNetworkError("EFETCH", `${label}: ${String(message)}`, { cause: err });
  return err;
}
