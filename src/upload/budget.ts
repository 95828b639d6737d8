/**
 * One budget of requests in flight and the part buffers they hold. A single upload makes its own
 * (`concurrency` slots); a folder sync hands one to every file it uploads, so files in flight and
 * parts in flight draw on the same slots and peak memory is slots x largest part, however many
 * files the tree holds. A slot's buffer is kept when released, so parts recycle it (no 8 MiB
 * allocation, page faults or GC per part).
 */
import { UploadAbortedError } from "../core/errors";

export interface BudgetSlot {
  /** A buffer of at least `size` bytes, kept for the next holder of this slot (grown when a part is larger). */
  buffer(size: number): Uint8Array;
  /**
   * Takes `bytes`' memory as this slot's buffer: a part whose buffer went to a worker thread and
   * came back (a browser's hasher) is a new view of it, and the old one is detached.
   */
  adopt(bytes: Uint8Array): void;
  /**
   * Gives the slot back; safe to call more than once. `dropBuffer` when a read or request may
   * still touch the buffer (it was abandoned, not settled): the next holder then gets a fresh one,
   * never memory another file's part is still being written into.
   */
  release(dropBuffer?: boolean): void;
}

export class PartBudget {
  private readonly idle: Array<{ bytes: Uint8Array | undefined }> = [];
  private readonly waiting: Array<(slot: { bytes: Uint8Array | undefined }) => void> = [];
  private inUse = 0;

  constructor(readonly slots: number) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`a budget needs at least one slot, got ${slots}`);
  }

  /** Slots held right now (for tests and progress views). */
  get held(): number {
    return this.inUse;
  }

  /** A free slot now, or undefined: never waits (and so never waits while holding another). */
  tryAcquire(): BudgetSlot | undefined {
    if (this.inUse >= this.slots) return undefined;
    this.inUse++;
    return this.wrap(this.idle.pop() ?? { bytes: undefined });
  }

  /** Waits for a free slot; an abort ends the wait with UploadAbortedError and takes nothing. */
  acquire(signal?: AbortSignal): Promise<BudgetSlot> {
    if (signal?.aborted) return Promise.reject(new UploadAbortedError(undefined, { cause: signal.reason }));
    const free = this.tryAcquire();
    if (free) return Promise.resolve(free);
    return new Promise((resolve, reject) => {
      const grant = (cell: { bytes: Uint8Array | undefined }) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(this.wrap(cell));
      };
      const onAbort = () => {
        const at = this.waiting.indexOf(grant);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(new UploadAbortedError(undefined, { cause: signal!.reason }));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  private wrap(cell: { bytes: Uint8Array | undefined }): BudgetSlot {
    let released = false;
    return {
      buffer: (size) => {
        if (released) throw new Error("buffer of a released budget slot");
        if (!cell.bytes || cell.bytes.byteLength < size) cell.bytes = new Uint8Array(size);
        return cell.bytes.subarray(0, size);
      },
      adopt: (bytes) => {
        if (!released) cell.bytes = new Uint8Array(bytes.buffer, 0, bytes.buffer.byteLength);
      },
      release: (dropBuffer = false) => {
        if (released) return;
        released = true;
        if (dropBuffer) cell.bytes = undefined;
        const next = this.waiting.shift();
        // Handed straight to the next waiter: the count in use does not change.
        if (next) next(cell);
        else {
          this.inUse--;
          this.idle.push(cell);
        }
      },
    };
  }
}
