/**
 * Pacing every request of a client to what Box allows, and every byte to the operator's link.
 * Box counts per user: about 240 file uploads (direct uploads and upload-session creations) and
 * 1,000 other API calls a minute, and answers past them with 429 and Retry-After. So each kind has
 * one gate, shared by every request of the client (all transfers of a sync, all parts): requests
 * leave evenly spaced, never in bursts (Box does not say over what window it counts, so a
 * minute's budget spent in one second could meet 429s for the rest of it), at most 95% of the
 * limit (requests sent evenly can still arrive bunched). A 429 holds every request of its kind for
 * its Retry-After and cuts the rate (multiplicative decrease, at most once per pause); each
 * accepted request raises it a little (additive increase, up to the limit), so a server stricter
 * than the limit is learned within a few 429s. A byte bucket caps the bytes sent, smoothly: bodies
 * go out in small slices, each waiting for its share.
 *
 * `Pacer` is the interface the caller uses, so a fleet can share one kept elsewhere (Redis); the
 * in-process one here is the default. Platform-neutral: timers only.
 */
import { BoxInputError } from "../core/errors";
import { sleep } from "../core/sleep";

/** What Box counts a request as: a file upload (its own, smaller budget) or any other API call. Each operation says which (operations.ts). */
export type RequestKind = "upload" | "call";

export interface Pacer {
  /** Resolves when one request of `kind` may be sent; rejects with the signal's reason on abort. */
  take(kind: RequestKind, signal?: AbortSignal): Promise<void>;
  /** Box answered 429 to a request of `kind`: hold that kind for `retryAfterMs`, and slow down. */
  refused(kind: RequestKind, retryAfterMs: number | undefined): void;
  /** A request of `kind` was answered, not with 429. */
  accepted(kind: RequestKind): void;
  /** Resolves when `bytes` more may be sent; at once without a bandwidth cap. */
  transmit(bytes: number, signal?: AbortSignal): Promise<void>;
  /** The slice bodies are sent in, so a bandwidth cap is smooth; undefined without a cap. */
  readonly sliceBytes: number | undefined;
  /** The bandwidth cap, bytes a second; undefined without one. */
  readonly bytesPerSecond?: number | undefined;
}

export interface RateLimits {
  /** Direct uploads and upload-session creations a minute (Box: about 240). 0 or "off": no pacing. */
  uploadsPerMinute?: number | "off";
  /** Every other API call a minute, part uploads included (Box: about 1,000). 0 or "off": no pacing. */
  callsPerMinute?: number | "off";
}

/** Box's documented per-user limits. */
export const BOX_UPLOADS_PER_MINUTE = 240;
export const BOX_CALLS_PER_MINUTE = 1000;
/** The share of a limit we pace at: evenly spaced requests can still arrive bunched. */
const MARGIN = 0.95;
/** Multiplicative decrease on a 429 (as TCP CUBIC's), and the floor it never goes under (a share of the limit). */
const DECREASE = 0.7;
const FLOOR = 1 / 100;
/** Additive increase per accepted request, as a share of the limit: from half to all in 100 requests. */
const INCREASE = 1 / 200;
/** A 429 without Retry-After holds its kind this long; one asking for more than an hour is held an hour. */
const DEFAULT_PAUSE_MS = 1000;
const MAX_PAUSE_MS = 3_600_000;

/** The pacing rules above, for a pacer kept elsewhere (a fleet's, in Redis) to apply the same ones. */
export const PACING = { MARGIN, DECREASE, FLOOR, INCREASE, DEFAULT_PAUSE_MS } as const;

/** One kind's gate: even spacing at the current rate, a pause after a 429, AIMD on the rate. */
class Gate {
  private rate: number;
  private readonly ceiling: number;
  private nextAt = 0;
  private pausedUntil = 0;
  /** Bumped by each 429: a request scheduled before it takes a new slot after the pause. */
  private generation = 0;
  private cutUntil = 0;

  constructor(perMinute: number) {
    this.ceiling = perMinute * MARGIN;
    this.rate = this.ceiling;
  }

  async take(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = Date.now();
      const at = Math.max(now, this.nextAt, this.pausedUntil);
      this.nextAt = at + 60_000 / this.rate;
      const generation = this.generation;
      if (at > now) await sleep(at - now, signal);
      // A 429 meanwhile: this slot was planned before it; take one in the new plan.
      if (generation === this.generation) return;
    }
  }

  refused(retryAfterMs: number | undefined): void {
    const now = Date.now();
    const until = now + Math.min(MAX_PAUSE_MS, retryAfterMs ?? DEFAULT_PAUSE_MS);
    this.pausedUntil = Math.max(this.pausedUntil, until);
    this.nextAt = this.pausedUntil;
    this.generation++;
    // The 429s of one burst are one signal: cut once per pause.
    if (now >= this.cutUntil) {
      this.rate = Math.max(this.ceiling * FLOOR, this.rate * DECREASE);
      this.cutUntil = this.pausedUntil;
    }
  }

  accepted(): void {
    this.rate = Math.min(this.ceiling, this.rate + this.ceiling * INCREASE);
  }
}

/** A byte bucket: `perSecond` bytes a second, a burst of at most one slice. */
class Bandwidth {
  private nextAt = 0;
  constructor(private readonly perSecond: number) {}

  async transmit(bytes: number, signal: AbortSignal | undefined): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + (1000 * bytes) / this.perSecond;
    if (at > now) await sleep(at - now, signal);
  }
}

/** A slice is a twentieth of a second of the cap (at least 1 KiB, at most 64 KiB): smooth, not chatty. */
function sliceFor(perSecond: number): number {
  return Math.min(64 * 1024, Math.max(1024, Math.floor(perSecond / 20)));
}

function perMinute(argument: string, value: unknown, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  if (value === "off" || value === 0) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new BoxInputError(argument, `must be a positive number of requests a minute, 0 or "off"`);
  return value;
}

/** The limits a pacer keeps, checked: requests a minute per kind (undefined: not paced) and bytes a second (undefined: no cap). */
export interface ResolvedLimits {
  upload: number | undefined;
  call: number | undefined;
  bandwidth: number | undefined;
}

export function resolveLimits(limits: RateLimits | "off" | undefined, bandwidthLimit: number | undefined): ResolvedLimits {
  if (limits !== undefined && limits !== "off" && (limits === null || typeof limits !== "object")) throw new BoxInputError("rateLimits", 'must be an object or "off"');
  const l = limits === "off" ? { uploadsPerMinute: "off" as const, callsPerMinute: "off" as const } : (limits ?? {});
  const upload = perMinute("rateLimits.uploadsPerMinute", l.uploadsPerMinute, BOX_UPLOADS_PER_MINUTE);
  const call = perMinute("rateLimits.callsPerMinute", l.callsPerMinute, BOX_CALLS_PER_MINUTE);
  if (bandwidthLimit !== undefined && (typeof bandwidthLimit !== "number" || !Number.isFinite(bandwidthLimit) || bandwidthLimit < 0)) {
    throw new BoxInputError("bandwidthLimit", "must be a number of bytes a second (0 for none)");
  }
  return { upload, call, bandwidth: bandwidthLimit || undefined };
}

/** The in-process pacer: Box's limits unless told otherwise, no bandwidth cap unless given one. */
export function createPacer(limits: RateLimits | "off" | undefined, bandwidthLimit: number | undefined): Pacer {
  const { upload: uploads, call: calls } = resolveLimits(limits, bandwidthLimit);
  const gates: Record<RequestKind, Gate | undefined> = { upload: uploads ? new Gate(uploads) : undefined, call: calls ? new Gate(calls) : undefined };
  const bandwidth = bandwidthLimit ? new Bandwidth(bandwidthLimit) : undefined;
  return {
    take: async (kind, signal) => gates[kind]?.take(signal),
    refused: (kind, retryAfterMs) => gates[kind]?.refused(retryAfterMs),
    accepted: (kind) => gates[kind]?.accepted(),
    transmit: async (bytes, signal) => bandwidth?.transmit(bytes, signal),
    sliceBytes: bandwidthLimit ? sliceFor(bandwidthLimit) : undefined,
    bytesPerSecond: bandwidthLimit || undefined,
  };
}
