/**
 * Box's token endpoint, `POST /oauth2/token` (form-urlencoded, no bearer token), for the two
 * grants our client uses: client_credentials (client ID and secret, acting for an enterprise or a
 * user) and refresh_token. Access tokens are random and expire after `tokenTtlSeconds`; refresh
 * tokens are single-use: each refresh hands out a new one and the old one answers invalid_grant.
 * As on Box, the client_credentials grant returns no refresh token; `issueRefreshToken` stands in
 * for the browser-based authorization that gives a user app its first one. Errors are OAuth 2.0
 * bodies ({ error, error_description }) with status 400, as the fragment documents.
 */
import { randomBytes } from "node:crypto";
import { readForm } from "./body";
import type { OAuthClient, Reply } from "./options";

/** Box's refresh tokens last 60 days. */
const REFRESH_TTL_MS = 60 * 24 * 3600 * 1000;

interface Grant {
  clientId: string;
  expiresAt: number;
}

function oauthError(error: string, description: string): Reply {
  return { status: 400, body: { error, error_description: description } };
}

function newToken(): string {
  return randomBytes(24).toString("base64url");
}

export class TokenStore {
  private readonly access = new Map<string, Grant>();
  private readonly refresh = new Map<string, Grant>();

  constructor(
    private readonly clients: OAuthClient[],
    private readonly ttlSeconds: number,
  ) {}

  /** "valid" or "expired" for a token this endpoint issued; undefined for any other token. */
  check(token: string): "valid" | "expired" | undefined {
    const grant = this.access.get(token);
    if (!grant) return undefined;
    return Date.now() < grant.expiresAt ? "valid" : "expired";
  }

  /** A refresh token for `clientId` (default: the first client), as if its user had just authorized the app. */
  issueRefreshToken(clientId = this.clients[0]?.clientId): string {
    if (!this.clients.some((c) => c.clientId === clientId)) throw new Error(`no OAuth client ${clientId}`);
    const token = newToken();
    this.refresh.set(token, { clientId: clientId!, expiresAt: Date.now() + REFRESH_TTL_MS });
    return token;
  }

  async handle(req: Parameters<typeof readForm>[0]): Promise<Reply> {
    const form = await readForm(req);
    if (!form) return oauthError("invalid_request", "the body must be application/x-www-form-urlencoded");
    const client = this.clients.find((c) => c.clientId === form.client_id);
    if (!client || client.clientSecret !== form.client_secret) return oauthError("invalid_client", "The client credentials are invalid");
    switch (form.grant_type) {
      case "client_credentials":
        return this.clientCredentials(client, form);
      case "refresh_token":
        return this.refreshGrant(client, form.refresh_token);
      case undefined:
        return oauthError("invalid_request", "grant_type is missing");
      default:
        return oauthError("unsupported_grant_type", `grant_type ${form.grant_type} is not supported here`);
    }
  }

  private clientCredentials(client: OAuthClient, form: Record<string, string>): Reply {
    const type = form.box_subject_type;
    const id = form.box_subject_id;
    if ((type !== "enterprise" && type !== "user") || !id) {
      return oauthError("invalid_request", "box_subject_type (enterprise or user) and box_subject_id are required");
    }
    const allowed = type === "enterprise" ? client.enterpriseId : client.userId;
    if (allowed !== undefined && allowed !== id) return oauthError("invalid_grant", "Grant credentials are invalid");
    return this.issue(client, false);
  }

  private refreshGrant(client: OAuthClient, token: string | undefined): Reply {
    if (!token) return oauthError("invalid_request", "refresh_token is missing");
    const grant = this.refresh.get(token);
    if (!grant || grant.expiresAt <= Date.now()) return oauthError("invalid_grant", "Invalid refresh token");
    if (grant.clientId !== client.clientId) return oauthError("invalid_grant", "The refresh token was issued to another client");
    this.refresh.delete(token);
    return this.issue(client, true);
  }

  private issue(client: OAuthClient, withRefresh: boolean): Reply {
    const accessToken = newToken();
    this.access.set(accessToken, { clientId: client.clientId, expiresAt: Date.now() + this.ttlSeconds * 1000 });
    const body: Record<string, unknown> = { access_token: accessToken, expires_in: this.ttlSeconds, token_type: "bearer", restricted_to: [] };
    if (withRefresh) body.refresh_token = this.issueRefreshToken(client.clientId);
    return { status: 200, body, headers: { "cache-control": "no-store" } };
  }
}
