/**
 * A signal that aborts when any of its sources does, or when its deadline passes, and that lets go
 * of its sources and its timer once disposed. `AbortSignal.any` and `AbortSignal.timeout` do not:
 * on Node 20, each `any()` over a long-lived signal (a folder sync's, a caller's) stays registered
 * on it until that signal is collected (57 bytes a call, measured), and each `timeout()` keeps its
 * timer until it fires (35 bytes for up to 10 minutes). Per request of a 10,000-file sync that was
 * ~170 bytes per file that stayed. Platform-neutral: no node:timers.
 */
export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** Aborts only when the deadline passes, with a TimeoutError, like `AbortSignal.timeout`'s. */
  readonly deadline: AbortSignal;
  /** Removes the listeners on the sources and clears the timer; the signal stays as it is. */
  dispose(): void;
}

const NEVER = new AbortController().signal;

export function linkedSignal(sources: ReadonlyArray<AbortSignal | undefined>, timeoutMs?: number): LinkedSignal {
  const ctl = new AbortController();
  const timeout = timeoutMs === undefined ? undefined : new AbortController();
  const live: AbortSignal[] = [];
  const onAbort = function (this: AbortSignal) {
    ctl.abort(this.reason);
    dispose();
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const dispose = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    for (const s of live.splice(0)) s.removeEventListener("abort", onAbort);
  };
  for (const source of sources) {
    if (!source) continue;
    if (source.aborted) {
      ctl.abort(source.reason);
      dispose();
      return { signal: ctl.signal, deadline: timeout?.signal ?? NEVER, dispose };
    }
    source.addEventListener("abort", onAbort, { once: true });
    live.push(source);
  }
  if (timeout) {
    timer = setTimeout(() => {
      timeout.abort(new DOMException(`The operation timed out after ${timeoutMs} ms`, "TimeoutError"));
      ctl.abort(timeout.signal.reason);
      dispose();
    }, timeoutMs);
    // Like AbortSignal.timeout's timer, it must not keep a Node process alive (browsers return a number).
    (timer as { unref?: () => void }).unref?.();
  }
  return { signal: ctl.signal, deadline: timeout?.signal ?? NEVER, dispose };
}
