/**
 * What the client tells an operator's meters (Prometheus, through platform/node/promMeter.ts):
 * requests and their answers, waits for Box's limits, retries, parts and files in flight, file
 * results and bytes. A port, so the layers that count know nothing of the library that exposes
 * the numbers; without meters the client counts nothing (NO_METER). Never a path, a name or a
 * token: every label is one of a few fixed words.
 */

/** How a file (or, for `moved` and `deleted`, a Box item) ended, as counted. */
export type FileResult = "uploaded" | "versioned" | "skipped" | "failed" | "deleted" | "moved" | "deferred";

export interface Meter {
  /** One request answered (`status` the HTTP status) or not answered at all (`status` "error"). */
  request(kind: "upload" | "call", status: string): void;
  /** How long a request waited for its turn under Box's limits. */
  paced(seconds: number): void;
  /** One more try of something that failed (a part, a call, a file). */
  retried(): void;
  /** A part upload started (+1) or ended (-1). */
  parts(delta: 1 | -1): void;
  /** A file started (+1) or settled (-1). */
  files(delta: 1 | -1): void;
  /** Items that ended with `result`. */
  settled(result: FileResult, items: number): void;
  /** File bytes sent (each byte of a file once per run), and bytes Box held already by the upload plan. */
  bytesSent(bytes: number): void;
  bytesPlanned(bytes: number): void;
}

const nothing = () => undefined;
export const NO_METER: Meter = { request: nothing, paced: nothing, retried: nothing, parts: nothing, files: nothing, settled: nothing, bytesSent: nothing, bytesPlanned: nothing };

/**
 * One file's share of the meters, from its start to its end: in flight meanwhile, its bytes counted
 * as its progress tells them (a part sent again is not counted again: progress only grows), the
 * rest of its bytes and its result when it settles. Settling twice counts once.
 */
export class MeteredFile {
  private counted = 0;
  private open = true;

  constructor(private readonly meter: Meter) {
    meter.files(1);
  }

  sent(total: number): void {
    if (!this.open || total <= this.counted) return;
    this.meter.bytesSent(total - this.counted);
    this.counted = total;
  }

  settled(result: FileResult, bytesSent: number, bytesPlanned: number): void {
    if (!this.open) return;
    this.sent(bytesSent);
    this.open = false;
    if (bytesPlanned > 0) this.meter.bytesPlanned(bytesPlanned);
    this.meter.settled(result, 1);
    this.meter.files(-1);
  }

  /** Ended without a result of this process's (stopped, handed to another): no longer in flight. */
  dropped(): void {
    if (!this.open) return;
    this.open = false;
    this.meter.files(-1);
  }
}
