/**
 * Box's per-user rate limits, as the local server keeps them when asked to (`rateLimits`): file
 * uploads (direct uploads and upload-session creations) and every other call each have a budget
 * per sliding window (a minute by default), counted per user (the As-User header when there is
 * one, else the bearer token). A request past its budget gets 429 `rate_limit_exceeded` with a
 * Retry-After of the seconds until the window frees a slot; its body is read and dropped, and
 * counted, so a test or a bench can see what a client sent for nothing.
 */
import type { IncomingMessage } from "node:http";
import type { Route } from "./options";

export interface ServerRateLimits {
  /** File uploads (direct and session creations) allowed per minute and user (Box: about 240). */
  uploadsPerMinute?: number;
  /** Every other call allowed per minute and user, part uploads included (Box: about 1,000). */
  callsPerMinute?: number;
  /** The sliding window the budgets are counted over; a budget is scaled to it (default 60 s). */
  windowMs?: number;
}

export type Kind = "upload" | "call";

export interface LimitStats {
  accepted: Record<Kind, number>;
  refused: Record<Kind, number>;
  /** Bytes of request bodies answered 429 (sent for nothing). */
  refusedBodyBytes: number;
}

const UPLOAD_ROUTES = new Set<Route>(["uploadFile", "uploadFileVersion", "createSessionNewFile", "createSessionExistingFile"]);

export function kindOf(route: Route): Kind | undefined {
  if (route === "oauthToken" || route === "unknown") return undefined;
  return UPLOAD_ROUTES.has(route) ? "upload" : "call";
}

export class RateLimiter {
  readonly stats: LimitStats = { accepted: { upload: 0, call: 0 }, refused: { upload: 0, call: 0 }, refusedBodyBytes: 0 };
  private readonly windowMs: number;
  private readonly budget: Record<Kind, number | undefined>;
  /** Accepted requests' times, per user and kind, oldest first. */
  private readonly seen = new Map<string, number[]>();

  constructor(limits: ServerRateLimits) {
    this.windowMs = limits.windowMs ?? 60_000;
    const scale = this.windowMs / 60_000;
    this.budget = {
      upload: limits.uploadsPerMinute === undefined ? undefined : Math.max(1, Math.floor(limits.uploadsPerMinute * scale)),
      call: limits.callsPerMinute === undefined ? undefined : Math.max(1, Math.floor(limits.callsPerMinute * scale)),
    };
  }

  /** Counts the request, or says how long until it could be accepted (ms) when it is over budget. */
  admit(req: IncomingMessage, route: Route, now = Date.now()): number | undefined {
    const kind = kindOf(route);
    if (!kind) return undefined;
    const budget = this.budget[kind];
    if (budget === undefined) {
      this.stats.accepted[kind]++;
      return undefined;
    }
    const asUser = req.headers["as-user"];
    const user = typeof asUser === "string" ? `as-user ${asUser}` : (req.headers.authorization ?? "");
    const key = `${kind} ${user}`;
    let times = this.seen.get(key);
    if (!times) this.seen.set(key, (times = []));
    while (times.length && times[0]! <= now - this.windowMs) times.shift();
    if (times.length >= budget) {
      this.stats.refused[kind]++;
      return times[0]! + this.windowMs - now;
    }
    times.push(now);
    this.stats.accepted[kind]++;
    return undefined;
  }
}
