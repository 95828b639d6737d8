/**
 * The never-upload-twice rule, in one place. Once a commit may have been applied by Box (a 202, an
 * answer lost to a dropped connection or a 5xx, an abort while it was in flight, a state file that
 * recorded one), the upload never sends a part again and never aborts the session: a second
 * version is worse than a stuck one. This module is also the only place a CommitUncertainError is
 * made, so every path that gives up on a commit says the same thing the same way.
 */
import { BoxApiError, BoxInputError, CommitUncertainError, wasNotSent, type CommitUncertainty } from "../core/errors";
import { isNetworkError, mayHaveSucceeded } from "../core/retry";

/** Box answered and said no (4xx), our own check refused it, or the connection was never made. */
export function refusedOutright(err: unknown): boolean {
  // A request that never left (it timed out waiting for its turn or its token) cannot have been applied.
  if (wasNotSent(err)) return true;
  if (err instanceof BoxApiError) return err.status < 500;
  if (err instanceof BoxInputError) return true;
  return isNetworkError(err) && !mayHaveSucceeded(err);
}

export function commitUncertain(sessionId: string, sha1: string, reason: CommitUncertainty, cause: unknown): CommitUncertainError {
  return new CommitUncertainError(sessionId, sha1, reason, { cause });
}

export class CommitGuard {
  private applied = false;
  private sha1: string | undefined;

  constructor(private readonly sessionId: () => string) {}

  /** True once a commit may have reached Box and been acted on. */
  get mayBeApplied(): boolean {
    return this.applied;
  }

  /** A commit with this whole-file SHA-1 is about to be sent. */
  sending(sha1: string): void {
    this.sha1 = sha1;
  }

  /** Box answered 202: it took the commit and is assembling the file. */
  processing(): void {
    this.applied = true;
  }

  /**
   * A commit request failed. Unless Box plainly said no (a 4xx) or the request never left, it may
   * have been applied: a lost or unreadable answer, a 5xx, a timeout, an abort mid-way.
   */
  failed(err: unknown, aborted: boolean): void {
    if (this.sha1 !== undefined && (aborted || !refusedOutright(err))) this.applied = true;
  }

  /** Called before any part is (re)sent: after a commit may have been applied, that could make a second version. */
  assertMayUpload(cause: unknown): void {
    if (this.applied) throw this.uncertain("answer-lost", cause);
  }

  /** Whether a failed upload may abort its session (never once a commit may have been applied). */
  get mayAbortSession(): boolean {
    return !this.applied;
  }

  uncertain(reason: CommitUncertainty, cause: unknown): CommitUncertainError {
    return commitUncertain(this.sessionId(), this.sha1 ?? "", reason, cause);
  }
}
