/** Turns a non-2xx answer into BoxApiError, with every token we hold taken out of what it quotes. */
import { BoxApiError } from "../core/errors";
import { parseRetryAfter } from "../core/retryAfter";

/** A server that echoes our Authorization header must not get the token into our errors. */
export function redact(body: unknown, token: string): unknown {
  if (body === undefined) return body;
  const text = JSON.stringify(body);
  return text.includes(token) ? JSON.parse(text.split(token).join("[redacted]")) : body;
}

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
