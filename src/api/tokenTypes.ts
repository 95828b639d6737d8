/** The shapes of tokens and grants, shared by auth.ts (renewal) and oauth.ts (Box's grants). */

/** A token with its expiry, so it is renewed before it runs out rather than after a 401. */
export interface AccessToken {
  accessToken: string;
  /** When the token stops working, in epoch milliseconds. */
  expiresAt?: number;
}

export type TokenReason = "initial" | "expired" | "expiring";
export type TokenProvider = (context: { reason: TokenReason }) => string | AccessToken | Promise<string | AccessToken>;

export interface ClientCredentialsAuth {
  clientCredentials: {
    clientId: string;
    clientSecret: string;
    /** Act as the enterprise's service account... */
    enterpriseId?: string;
    /** ...or as this user (exactly one of the two). */
    userId?: string;
  };
}

export interface RefreshTokenAuth {
  refreshToken: {
    clientId: string;
    clientSecret: string;
    refreshToken: string;
    /** Called with each new refresh token; store it, the one used is no longer valid. */
    onRotate?: (refreshToken: string) => void | Promise<void>;
  };
}

/** What a grant asks the token endpoint: the form fields in, the token (and its life) out. */
export type TokenEndpoint = (form: Record<string, string>) => Promise<{ access_token?: string; expires_in?: number; refresh_token?: string }>;

export type TokenOption = string | TokenProvider | ClientCredentialsAuth | RefreshTokenAuth;
