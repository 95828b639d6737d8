/**
 * Where bearer tokens come from. A static string never changes. A provider (yours, or one of the
 * OAuth grants in oauth.ts) is asked once at first use, again before the token it gave expires
 * (when it said when), and again when Box says the token is no longer good (401). Every request in
 * flight shares one renewal.
 */
import { BoxInputError } from "../core/errors";
import { grantProvider } from "./oauth";
import type { Secrets } from "./secrets";
import type { AccessToken, TokenEndpoint, TokenOption, TokenProvider, TokenReason } from "./tokenTypes";

export type * from "./tokenTypes";

/**
 * Renew this long before expiry: a tenth of the token's life, between 30 s and 5 min, but never
 * more than half of it, so a short-lived token is used before it is renewed.
 */
function renewMargin(lifetimeMs: number): number {
  return Math.min(300_000, Math.max(30_000, lifetimeMs / 10), lifetimeMs / 2);
}

export class TokenSource {
  private readonly provider: TokenProvider | undefined;
  private current: Promise<string> | undefined;
  /** The token `current` resolved to; undefined while a request for one is pending. */
  private settled: string | undefined;
  /** When to renew the settled token (epoch ms), if its provider said when it expires. */
  private renewAt = Infinity;

  constructor(
    option: TokenOption,
    private readonly secrets?: Secrets,
    endpoint?: TokenEndpoint,
  ) {
    if (typeof option === "string") {
      const token = checkToken(option);
      secrets?.remember(token);
      this.current = Promise.resolve(token);
      this.settled = token;
    } else if (typeof option === "function") {
      this.provider = option;
    } else if (option !== null && typeof option === "object") {
      this.provider = grantProvider(option, endpoint, secrets);
    } else {
      throw new BoxInputError("token", "must be a token, a function returning one, { clientCredentials } or { refreshToken }");
    }
  }

  get refreshable(): boolean {
    return this.provider !== undefined;
  }

  /** True when a token is at hand now, without asking a provider (for best-effort cleanup). */
  get ready(): boolean {
    return this.settled !== undefined && Date.now() < this.renewAt;
  }

  /** The token to send now; a token about to expire is renewed first (once, for all callers). */
  get(): Promise<string> {
    if (this.settled !== undefined && Date.now() >= this.renewAt) this.renew("expiring");
    this.current ??= this.ask("initial");
    return this.current;
  }

  /**
   * Called after a 401 for a request sent with `stale`. Only the first caller with the current
   * token triggers a refresh; the rest await the same new token.
   */
  refresh(stale: string): Promise<string> {
    if (!this.refreshable) return Promise.resolve(stale);
    // Decided synchronously, so callers racing here cannot start two refreshes.
    if (this.settled === stale) this.renew("expired");
    return this.get();
  }

  private renew(reason: TokenReason): void {
    this.settled = undefined;
    this.renewAt = Infinity;
    this.current = this.ask(reason);
  }

  private ask(reason: TokenReason): Promise<string> {
    const provider = this.provider!;
    const pending = Promise.resolve()
      .then(() => provider({ reason }))
      .then((answer) => {
        const { accessToken, expiresAt } = typeof answer === "string" ? { accessToken: answer, expiresAt: undefined } : (answer ?? ({} as AccessToken));
        const token = checkToken(accessToken);
        // Remembered for redaction for the client's life: a server may echo an old token too.
        this.secrets?.remember(token);
        if (this.current === pending) {
          this.settled = token;
          if (typeof expiresAt === "number" && Number.isFinite(expiresAt)) {
            this.renewAt = expiresAt - renewMargin(Math.max(0, expiresAt - Date.now()));
          }
        }
        return token;
      });
    // A failed provider must not poison later calls: the next get() asks again.
    pending.catch(() => {
      if (this.current === pending) this.current = undefined;
    });
    return pending;
  }
}

function checkToken(token: unknown): string {
  if (typeof token !== "string" || token.length === 0 || /\s/.test(token)) {
    throw new BoxInputError("token", "must be a non-empty string without whitespace");
  }
  return token;
}
