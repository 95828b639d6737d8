/**
 * A run's window, as rclone's `--max-duration` and `--max-transfer` have it: after `maxDurationMs`
 * no new file starts (files in flight finish; with `cutoff: "hard"` they stop, keeping their resume
 * state), and no file starts that would take what the run sends past `maxTransferBytes` (a file is
 * reserved at its size when it starts, and what it did not send, a plan's hits, is given back).
 * What did not start is deferred to the next run, and the summary says why the run stopped.
 */
import type { SyncSettings } from "./options";

export type WindowReason = "max-duration" | "max-transfer";

/** Why a file in flight was stopped at a hard cutoff: it is deferred, not failed. */
export class WindowClosed extends Error {
  override readonly name = "WindowClosed";
  constructor(readonly reason: WindowReason) {
    super(`the run's window closed (${reason})`);
  }
}

export class RunWindow {
  private reserved = 0;
  private timeUp = false;
  private readonly timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly settings: Pick<SyncSettings, "maxDurationMs" | "maxTransferBytes" | "cutoff">,
    /** Told once per reason the window closes; `stopInFlight` at a hard cutoff. */
    private readonly onClose: (why: WindowReason, stopInFlight: boolean) => void,
  ) {
    const ms = settings.maxDurationMs;
    if (ms !== undefined) {
      this.timer = setTimeout(() => {
        this.timeUp = true;
        onClose("max-duration", settings.cutoff === "hard");
      }, ms);
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  /** True once no new file may start at all (the time is up). */
  get closed(): boolean {
    return this.timeUp;
  }

  /** Whether a file that sends `size` bytes may start now; reserves them when it may. */
  admit(size: number): boolean {
    if (this.timeUp) return false;
    const max = this.settings.maxTransferBytes;
    if (max !== undefined && this.reserved + size > max) {
      this.onClose("max-transfer", false);
      return false;
    }
    this.reserved += size;
    return true;
  }

  /** A file admitted at `reservedBytes` sent `sentBytes` in the end: the rest is given back. */
  spent(reservedBytes: number, sentBytes: number): void {
    this.reserved -= Math.max(0, reservedBytes - sentBytes);
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}
