/**
 * One abort fanned out to many tasks: a signal that ends at any parent's abort or at `stop`, and a
 * signal of its own for each task, all aborted by the one listener here. Tasks listening on their
 * own signals, not dozens at once on one shared signal, is what keeps Node quiet (it warns past 10
 * listeners on one signal) when 64 parts or 16 files are in flight. The part pipeline, a sync run
 * and a fleet worker all run their tasks in one. Platform-neutral.
 */
import { linkedSignal, type LinkedSignal } from "./linkedSignal";

export interface TaskSignal {
  readonly signal: AbortSignal;
  /** Ends this task alone (the others go on). */
  abort(reason: unknown): void;
  /** The task is over: its signal is no longer aborted with the others. */
  release(): void;
}

export class SignalFan {
  /** Ends at any parent's abort or at `stop`. */
  readonly signal: AbortSignal;
  private readonly stopped = new AbortController();
  private readonly linked: LinkedSignal;
  private readonly live = new Set<AbortController>();

  constructor(parents: ReadonlyArray<AbortSignal | undefined>) {
    this.linked = linkedSignal([...parents, this.stopped.signal]);
    this.signal = this.linked.signal;
    this.signal.addEventListener("abort", () => this.live.forEach((c) => c.abort(this.signal.reason)), { once: true });
  }

  get aborted(): boolean {
    return this.signal.aborted;
  }

  /** Ends every task's signal with `reason` (the first stop wins). */
  stop(reason: unknown): void {
    this.stopped.abort(reason);
  }

  /** Ends every task running now with `reason`, but not this signal: new tasks may still start. */
  abortTasks(reason: unknown): void {
    for (const c of [...this.live]) c.abort(reason);
  }

  /** A signal for one task: aborted with this one (at once when it already is). */
  task(): TaskSignal {
    const own = new AbortController();
    if (this.signal.aborted) own.abort(this.signal.reason);
    else this.live.add(own);
    return { signal: own.signal, abort: (reason) => own.abort(reason), release: () => void this.live.delete(own) };
  }

  /** Lets go of the parents (the signal stays as it is). */
  dispose(): void {
    this.linked.dispose();
  }
}
