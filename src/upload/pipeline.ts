/**
 * What a chunked upload's parts are sent in: one signal that ends at the caller's abort or at the
 * first failure, fanned out to a signal per request (core/signalFan.ts), the tasks in flight, and
 * the first error, which is the one reported.
 */
import { UploadAbortedError } from "../core/errors";
import { SignalFan } from "../core/signalFan";

export class Pipeline {
  private readonly fan: SignalFan;
  private readonly pending = new Set<Promise<void>>();
  private first: { error: unknown } | undefined;

  constructor(private readonly caller: AbortSignal | undefined) {
    this.fan = new SignalFan([caller]);
  }

  /** Ends at the caller's abort or the first failure. */
  get signal(): AbortSignal {
    return this.fan.signal;
  }

  /** Records the first failure and stops everything in flight. */
  fail(error: unknown): void {
    this.first ??= { error };
    this.fan.stop(error);
  }

  /** Runs `task` with a signal of its own; a failure stops the pipeline. */
  spawn(task: (signal: AbortSignal) => Promise<void>): void {
    const own = this.fan.task();
    const running: Promise<void> = task(own.signal)
      .catch((err: unknown) => this.fail(err))
      .finally(() => {
        own.release();
        this.pending.delete(running);
      });
    this.pending.add(running);
  }

  /** Waits for everything in flight; then throws the caller's abort, or the first failure. */
  async settle(sessionId: string): Promise<void> {
    await Promise.all(this.pending);
    this.fan.dispose();
    if (this.caller?.aborted) throw new UploadAbortedError(sessionId, { cause: this.caller.reason });
    if (this.first) throw this.first.error;
  }
}
