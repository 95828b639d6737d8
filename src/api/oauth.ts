/**
 * Box's OAuth 2.0 grants for jobs that run unattended: client credentials (a server app acting as
 * its service account or one user) and refresh tokens (which Box rotates on every use: the new one
 * is handed to `onRotate`, because the old one stops working). Each becomes a token provider with
 * the expiry Box states, so TokenSource renews before it runs out. The client secret and every
 * refresh token are remembered as secrets, so no error or log line ever shows them.
 */
import { BoxInputError } from "../core/errors";
import type { AccessToken, ClientCredentialsAuth, RefreshTokenAuth, TokenEndpoint, TokenProvider } from "./tokenTypes";
import type { Secrets } from "./secrets";

function text(argument: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || /[\s]/.test(value)) {
    throw new BoxInputError(argument, "must be a non-empty string without whitespace");
  }
  return value;
}

function toAccessToken(answer: Awaited<ReturnType<TokenEndpoint>>, asked: number): AccessToken {
  const out: AccessToken = { accessToken: answer.access_token ?? "" };
  if (typeof answer.expires_in === "number" && answer.expires_in > 0) out.expiresAt = asked + answer.expires_in * 1000;
  return out;
}

export function grantProvider(option: object, endpoint: TokenEndpoint | undefined, secrets: Secrets | undefined): TokenProvider {
  if (!endpoint) throw new BoxInputError("token", "an OAuth grant needs the client's token endpoint");
  if ("clientCredentials" in option) {
    const c = (option as ClientCredentialsAuth).clientCredentials ?? ({} as ClientCredentialsAuth["clientCredentials"]);
    const form: Record<string, string> = {
      grant_type: "client_credentials",
      client_id: text("token.clientCredentials.clientId", c.clientId),
      client_secret: text("token.clientCredentials.clientSecret", c.clientSecret),
    };
    if ((c.enterpriseId === undefined) === (c.userId === undefined)) {
      throw new BoxInputError("token.clientCredentials", "needs exactly one of enterpriseId and userId");
    }
    form.box_subject_type = c.enterpriseId !== undefined ? "enterprise" : "user";
    form.box_subject_id = text(`token.clientCredentials.${c.enterpriseId !== undefined ? "enterpriseId" : "userId"}`, c.enterpriseId ?? c.userId);
    secrets?.remember(form.client_secret!);
    return async () => {
      const asked = Date.now();
      return toAccessToken(await endpoint(form), asked);
    };
  }
  if ("refreshToken" in option) {
    const r = (option as RefreshTokenAuth).refreshToken ?? ({} as RefreshTokenAuth["refreshToken"]);
    const clientId = text("token.refreshToken.clientId", r.clientId);
    const clientSecret = text("token.refreshToken.clientSecret", r.clientSecret);
    let refreshToken = text("token.refreshToken.refreshToken", r.refreshToken);
    if (r.onRotate !== undefined && typeof r.onRotate !== "function") throw new BoxInputError("token.refreshToken.onRotate", "must be a function");
    secrets?.remember(clientSecret);
    secrets?.remember(refreshToken);
    return async () => {
      const asked = Date.now();
      const answer = await endpoint({ grant_type: "refresh_token", client_id: clientId, client_secret: clientSecret, refresh_token: refreshToken });
      if (typeof answer.refresh_token === "string" && answer.refresh_token.length > 0) {
        secrets?.remember(answer.refresh_token);
        if (answer.refresh_token !== refreshToken) {
          refreshToken = answer.refresh_token;
          await r.onRotate?.(refreshToken);
        }
      }
      return toAccessToken(answer, asked);
    };
  }
  throw new BoxInputError("token", "must be a token, a function returning one, { clientCredentials } or { refreshToken }");
}
