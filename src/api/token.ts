/** `POST /oauth2/token`, the one operation sent without a bearer token: the grants in oauth.ts call it. */
import type { ApiCaller } from "./caller";
import type { TokenEndpoint } from "./tokenTypes";

export function tokenEndpoint(caller: ApiCaller): TokenEndpoint {
  return (form) =>
    caller.sendPlain(
      "POST /oauth2/token",
      (signal) =>
        caller.tokenApi.POST("/oauth2/token", {
          body: form as never,
          bodySerializer: (b: unknown) => new URLSearchParams(b as Record<string, string>).toString(),
          headers: { "content-type": "application/x-www-form-urlencoded" },
          signal,
        }) as Promise<{ data?: Awaited<ReturnType<TokenEndpoint>>; error?: unknown; response: Response }>,
      // OAuth's error body names its fields `error` and `error_description`.
      (body) => {
        const e = (body ?? {}) as { error?: unknown; error_description?: unknown };
        return { code: e.error, message: e.error_description };
      },
    );
}
