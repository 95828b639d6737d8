/**
 * What both part pipelines (parts.ts, planned.ts) run their requests in: one signal that ends at
 * the caller's abort or at the first failure, a per-request signal fanned out from it by one
 * listener (not one listener per request on a shared signal: Node warns past 10, and 64 parts may
 * be in flight), the tasks in flight, and the first error, which is the one reported.
 */
import { UploadAbortedError } from "../core/errors";
import { linkedSignal } from "../core/linkedSignal";

export class Pipeline {
  /** Ends at the caller's abort or the first failure. */
  readonly signal: AbortSignal;
  private readonly failed = new AbortController();
  private readonly linked;
  private readonly live = new Set<AbortController>();
  private readonly pending = new Set<Promise<void>>();
  private first: { error: unknown } | undefined;

  constructor(private readonly caller: AbortSignal | undefined) {
    this.linked = linkedSignal([caller, this.failed.signal]);
    this.signal = this.linked.signal;
    this.signal.addEventListener("abort", () => this.live.forEach((c) => c.abort(this.signal.reason)), { once: true });
  }

  /** True once something failed or the caller aborted: start nothing more. */
  get stopped(): boolean {
    return this.first !== undefined || this.signal.aborted;
  }

  /** Records the first failure and stops everything in flight. */
  fail(error: unknown): void {
    this.first ??= { error };
    this.failed.abort(error);
  }

  /** Runs `task` with a signal of its own; a failure stops the pipeline. */
  spawn(task: (signal: AbortSignal) => Promise<void>): void {
    const own = new AbortController();
    this.live.add(own);
    const running: Promise<void> = task(own.signal)
      .catch((err: unknown) => this.fail(err))
      .finally(() => {
        this.live.delete(own);
        this.pending.delete(running);
      });
    this.pending.add(running);
  }

  /** Waits for everything in flight; then throws the caller's abort, or the first failure. */
  async settle(sessionId: string): Promise<void> {
    await Promise.all(this.pending);
    this.linked.dispose();
    if (this.caller?.aborted) throw new UploadAbortedError(sessionId, { cause: this.caller.reason });
    if (this.first) throw this.first.error;
  }
}
