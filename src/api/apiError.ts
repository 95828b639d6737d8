/** What failed calls become: BoxApiError for non-2xx answers, and our other errors for the rest. */
import { BoxApiError, BoxNetworkError, BoxProtocolError, BoxUploadError, UploadAbortedError } from "../core/errors";
import { networkCode } from "../core/retry";
import { parseRetryAfter } from "../core/retryAfter";

export function toApiError(method: string, response: Response, body: unknown): BoxApiError {
  const fields = body && typeof body === "object" ? (body as Record<string, unknown>) : {};
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const url = new URL(response.url || "http://unknown/");
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
  return new BoxApiError({
    status: response.status,
    method,
    url: `${url.origin}${url.pathname}`,
    code: str(fields.code),
    message: str(fields.message) ?? (typeof body === "string" ? body.slice(0, 200) : undefined),
    requestId: str(fields.request_id),
    contextInfo: (fields.context_info as Record<string, unknown> | null | undefined) ?? undefined,
    helpUrl: str(fields.help_url),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/**
 * What a failed call becomes: our errors pass as they are; the caller's abort is UploadAbortedError,
 * our deadline BoxNetworkError ETIMEDOUT; a failure below HTTP is BoxNetworkError with its code; an
 * answer that is not HTTP or not JSON (parser errors, SyntaxError, a status Response refuses) is
 * BoxProtocolError. Never a bare SyntaxError, RangeError or TypeError.
 */
export function classify(err: unknown, label: string, caller: AbortSignal | undefined, deadline: AbortSignal, timeoutMs: number): unknown {
  if (err instanceof BoxUploadError) return err;
  if (caller?.aborted) return new UploadAbortedError(undefined, { cause: caller.reason });
  if (deadline.aborted) return new BoxNetworkError("ETIMEDOUT", `${label}: no complete answer within ${timeoutMs} ms`, { cause: err });
  const code = networkCode(err);
  if (code !== undefined) return new BoxNetworkError(code, `${label}: ${code} (${(err as Error)?.message ?? "network error"})`, { cause: err });
  const raw = (err as { code?: unknown })?.code;
  if (typeof raw === "string" && raw.startsWith("HPE_")) return new BoxProtocolError(`${label}: the answer is not valid HTTP (${raw})`, { cause: err });
  if (err instanceof SyntaxError) return new BoxProtocolError(`${label}: the answer's body is not the JSON the API documents`, { cause: err });
  if (err instanceof RangeError) return new BoxProtocolError(`${label}: the answer is outside HTTP (${err.message})`, { cause: err });
  if (err instanceof TypeError) return new BoxNetworkError("EFETCH", `${label}: ${err.message}`, { cause: err });
  return err;
}
