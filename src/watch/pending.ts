/**
 * What a watcher knows it has to do: the paths the file system said changed, each with what it
 * looked like when last looked at (size, mtime and ctime, or gone), and since when it has not
 * changed. A path is ready once it has looked the same for `settleMs`: a file still being written
 * keeps changing and so keeps waiting, however long the copy takes (a 2 GB `cp` is taken once,
 * after it ends); a path gone for `settleMs` is a deletion. Bounded: past `max` paths it stops
 * taking paths one by one and asks for a full pass instead (a sync of the whole tree, which is
 * bounded by its own settings), so a burst of any size costs the same memory.
 */

import type { Look } from "./ports";

interface Entry {
  look: Look | undefined;
  /** When it last looked different (or was told of). */
  since: number;
}

const same = (a: Look | undefined, b: Look): boolean =>
  a !== undefined && a.kind === b.kind && (a.kind !== "file" || (b.kind === "file" && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs));

export class PendingChanges {
  private readonly entries = new Map<string, Entry>();
  private overflow = false;
  private overflowSince = 0;

  constructor(
    private readonly settleMs: number,
    private readonly max: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The file system says `path` (relative to the root) changed. */
  touched(path: string, now = Date.now()): void {
    if (this.overflow) {
      this.overflowSince = now;
      return;
    }
    const e = this.entries.get(path);
    if (e) e.since = now;
    else if (this.entries.size >= this.max) {
      this.overflow = true;
      this.overflowSince = now;
      this.entries.clear();
    } else this.entries.set(path, { look: undefined, since: now });
  }

  /** Every path still waiting, to be looked at again. */
  paths(): string[] {
    return [...this.entries.keys()];
  }

  /** What `path` looks like now; it waits on while that differs from the last look. */
  looked(path: string, look: Look, now = Date.now()): void {
    const e = this.entries.get(path);
    if (!e) return;
    if (!same(e.look, look)) {
      e.look = look;
      e.since = now;
    }
  }

  /**
   * The paths that have looked the same for the settle time, taken out (with what they are: a
   * file, a folder, or gone); with `full`, a full pass is due (the burst overflowed and went quiet).
   */
  take(now = Date.now()): { ready: { path: string; look: Look }[]; full: boolean } {
    const ready: { path: string; look: Look }[] = [];
    for (const [path, e] of this.entries) {
      if (e.look && now - e.since >= this.settleMs) {
        ready.push({ path, look: e.look });
        this.entries.delete(path);
      }
    }
    const full = this.overflow && now - this.overflowSince >= this.settleMs;
    if (full) this.overflow = false;
    return { ready, full };
  }

  /** A path to look at again later (a file that changed while it was read, a pass that failed). */
  again(path: string, now = Date.now()): void {
    this.touched(path, now);
  }

  /** Whether `path` is still waiting (the mirror asks about each item, a Box-only folder's too): a deletion not settled keeps its Box item. */
  has(path: string): boolean {
    return this.overflow || this.entries.has(path);
  }
}
