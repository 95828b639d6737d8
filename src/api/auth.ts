/**
 * Where bearer tokens come from. A static string never changes; a provider is asked once at first
 * use and again only when Box says the token it gave is no longer good (401). Concurrent parts that
 * hit a 401 together share one refresh.
 */
import { BoxInputError } from "../core/errors";
import type { Secrets } from "./secrets";

export type TokenProvider = (context: { reason: "initial" | "expired" }) => string | Promise<string>;
export type TokenOption = string | TokenProvider;

export class TokenSource {
  private current: Promise<string> | undefined;
  /** The token `current` resolved to; undefined while a request for one is pending. */
  private settled: string | undefined;

  constructor(
    private readonly option: TokenOption,
    private readonly secrets?: Secrets,
  ) {
    if (typeof option === "string") {
      const token = checkToken(option);
      secrets?.remember(token);
    }
    else if (typeof option !== "function") {
      throw new BoxInputError("token", "must be a non-empty string or a function returning one");
    }
  }

  get refreshable(): boolean {
    return typeof this.option === "function";
  }

  /** The token to send now. */
  get(): Promise<string> {
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
    if (this.settled === stale) {
      this.settled = undefined;
      this.current = this.ask("expired");
    }
    return this.get();
  }

  private ask(reason: "initial" | "expired"): Promise<string> {
    const option = this.option;
    if (typeof option === "string") return Promise.resolve(option);
    const pending = Promise.resolve()
      .then(() => option({ reason }))
      .then(checkToken)
      .then((token) => {
        // Remembered for redaction for the client's life: a server may echo an old token too.
        this.secrets?.remember(token);
        if (this.current === pending) this.settled = token;
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
