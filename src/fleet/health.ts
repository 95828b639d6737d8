/**
 * Whether a fleet's Redis answers, as one process sees it: up or down, since when, the last
 * error's code, and the next attempt. Every connection of the process reconnects on its own
 * (ioredis, with the backoff of `reconnectDelay`); this watches the one our own commands use and
 * tells its changes once each (`onChange`), so an outage is a line when it starts, a line per
 * attempt where a caller wants that, and a line when it ends, never a stack trace per connection.
 * Waits for Redis go through `waitUp`, which ends with the caller's signal or a time limit.
 */
import { BoxNetworkError } from "../core/errors";
import { linkedSignal } from "../core/linkedSignal";
import { sleep } from "../core/sleep";

/** Backoff between attempts to reach Redis: 0.5 s, doubling, at most 30 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(30_000, 500 * 2 ** Math.max(0, attempt - 1));
}

export type RedisStatus =
  | { state: "up"; /** How long it had been down (0 at the first connection). */ downMs: number }
  | { state: "down"; /** When it went down (or when the process began trying). */ since: number; error: string; attempt: number; retryInMs: number };

interface Watched {
  status: string;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** A command that failed because its connection did (not because Redis said no). */
export function isConnectionError(err: unknown): boolean {
  const message = String((err as Error)?.message ?? "");
  return /Connection is closed|Stream isn't writeable|timed out|ECONN|ETIMEDOUT|EPIPE|max retries per request|enableOfflineQueue/i.test(message);
}

/** The system code of a connection error (ECONNREFUSED, ENOTFOUND, …), else its message cut short. */
function codeOf(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === "string") return code;
  const message = String((err as Error)?.message ?? err);
  return message.length > 80 ? `${message.slice(0, 77)}...` : message;
}

export class RedisHealth {
  private up = false;
  private everUp = false;
  private since = Date.now();
  private lastError = "not connected yet";
  private attempt = 0;
  private readonly listeners = new Set<(status: RedisStatus) => void>();
  private readonly waiters = new Set<() => void>();

  /** `shown`: the URL without its password, for messages. */
  constructor(
    connection: Watched,
    readonly shown: string,
  ) {
    connection.on("ready", () => this.ready());
    connection.on("error", (err) => {
      this.lastError = codeOf(err);
    });
    connection.on("reconnecting", (delay) => this.lost(typeof delay === "number" ? delay : 0));
    if (connection.status === "ready") this.ready();
  }

  get isUp(): boolean {
    return this.up;
  }

  /** When Redis stopped answering (or the process began trying); meaningful while down. */
  get downSince(): number {
    return this.since;
  }

  /** Told of every change: down (once per attempt), up again. */
  onChange(listener: (status: RedisStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves once Redis answers; rejects with the signal's reason, or after `limitMs` of waiting
   * with a BoxNetworkError that names the host (never the password) and the last error.
   */
  async waitUp(signal: AbortSignal | undefined, limitMs?: number): Promise<void> {
    if (this.up) return;
    signal?.throwIfAborted();
    const bound = linkedSignal([signal], limitMs);
    try {
      await new Promise<void>((resolve, reject) => {
        const done = () => {
          this.waiters.delete(done);
          bound.signal.removeEventListener("abort", stop);
          resolve();
        };
        const stop = () => {
          this.waiters.delete(done);
          reject(bound.deadline.aborted ? this.unreachable(limitMs!) : bound.signal.reason);
        };
        this.waiters.add(done);
        bound.signal.addEventListener("abort", stop, { once: true });
      });
    } finally {
      bound.dispose();
    }
  }

  /**
   * Runs `step` (one of our commands), and when Redis fails under it, waits for Redis to answer and
   * runs it again: an outage is the fleet's to wait out (the signal still ends the wait), never a
   * failure of the request or file that happened to meet it. A command Redis refuses (not a
   * connection that failed) is an error of `what`, at once.
   */
  async riding<T>(signal: AbortSignal | undefined, what: string, step: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await step();
      } catch (err) {
        signal?.throwIfAborted();
        if (this.up && !isConnectionError(err)) throw new BoxNetworkError("EREDIS", `queue: Redis refused ${what} (${codeOf(err)})`, { cause: err });
        await this.waitUp(signal);
        // Up as far as the watcher knows, but the command failed on its connection: a beat before the next try.
        await sleep(50, signal);
      }
    }
  }

  /** The error a caller that gave up after `waitedMs` throws. */
  unreachable(waitedMs: number): BoxNetworkError {
    return new BoxNetworkError("EREDIS", `queue: cannot reach Redis at ${this.shown} (${this.lastError}); gave up after ${Math.round(waitedMs / 1000)} s`);
  }

  private ready(): void {
    const downMs = this.everUp ? Date.now() - this.since : 0;
    this.up = true;
    this.everUp = true;
    this.attempt = 0;
    this.emit({ state: "up", downMs });
    for (const w of [...this.waiters]) w();
  }

  private lost(retryInMs: number): void {
    if (this.up) this.since = Date.now();
    this.up = false;
    this.attempt++;
    this.emit({ state: "down", since: this.since, error: this.lastError, attempt: this.attempt, retryInMs });
  }

  private emit(status: RedisStatus): void {
    for (const l of this.listeners) {
      try {
        l(status);
      } catch {
        /* a listener that throws changes nothing */
      }
    }
  }
}
