/**
 * The sync's running account: counts for the summary, events as things settle, and progress for
 * live views (files in flight, bytes sent). Nothing here grows with the tree except the failure
 * list (and, in a dry run, the plan the caller asked for).
 */
import { MeteredFile, NO_METER, type FileResult, type Meter } from "../core/meter";
import type { FileOutcome, SyncEvent, SyncProgress, SyncSettings, SyncSummary } from "./options";

/** What an outcome counts as in the meters. */
export const RESULTS: Record<Exclude<FileOutcome["action"], "fail">, FileResult> = { upload: "uploaded", version: "versioned", skip: "skipped", defer: "deferred" };

export class Tally {
  readonly summary: SyncSummary;
  private readonly started = Date.now();
  private filesSeen = 0;
  private walkDone = false;
  private filesDone = 0;
  private bytesToSend = 0;
  private bytesSentDone = 0;
  private readonly inFlight = new Map<string, { path: string; size: number; bytesSent: number; counted?: boolean; metered?: MeteredFile; began: number }>();
  /** An operator's meters: what this process did (a dry run does nothing, so counts nothing). */
  private readonly meter: Meter;

  constructor(
    private readonly settings: SyncSettings,
    meter: Meter = NO_METER,
  ) {
    this.meter = settings.dryRun ? NO_METER : meter;
    this.summary = { uploaded: 0, versioned: 0, skipped: 0, failed: 0, foldersCreated: 0, deleted: 0, moved: 0, bytesSent: 0, bytesPlanned: 0, bytesRead: 0, deferred: 0, bytesDeferred: 0, seconds: 0, failures: [], ...(settings.dryRun ? { plan: [] } : {}) };
  }

  seen(): void {
    this.filesSeen++;
    this.progress();
  }

  walked(): void {
    this.walkDone = true;
    this.progress();
  }

  folderCreated(path: string): void {
    this.summary.foldersCreated++;
    this.summary.plan?.push({ path, action: "create-folder" });
    this.emit({ type: "folder", path, action: "create-folder" });
  }

  notice(path: string, message: string): void {
    this.emit({ type: "notice", path, message });
  }

  /**
   * A file is being checked or sent; `toSend` once it is known to need sending. `elsewhere`: a
   * worker does it (a queued job), so this process's meters leave it to that worker's.
   */
  begin(path: string, size: number, elsewhere = false): void {
    this.inFlight.set(path, { path, size, bytesSent: 0, began: Date.now(), ...(elsewhere ? {} : { metered: new MeteredFile(this.meter) }) });
    this.progress();
  }

  /** Counted once per file, even when a 409 sends it a second way (new file, then version). */
  toSend(path: string, bytes: number): void {
    const f = this.inFlight.get(path);
    if (f?.counted) return;
    if (f) f.counted = true;
    this.bytesToSend += bytes;
  }

  sent(path: string, bytesSent: number): void {
    const f = this.inFlight.get(path);
    if (f && bytesSent > f.bytesSent) {
      f.bytesSent = bytesSent;
      f.metered?.sent(bytesSent);
      this.progress();
    }
  }

  /** A file settled: uploaded, versioned, skipped or failed. */
  settled(path: string, outcome: FileOutcome): void {
    if (outcome.action === "fail") return this.failed(path, outcome.error, outcome.size);
    const { action, size, message } = outcome;
    if (action === "upload") this.summary.uploaded++;
    else if (action === "version") this.summary.versioned++;
    else if (action === "defer") {
      this.summary.deferred++;
      this.summary.bytesDeferred += size;
    } else this.summary.skipped++;
    this.summary.bytesSent += outcome.bytesSent;
    this.summary.bytesPlanned += outcome.bytesPlanned;
    this.summary.plan?.push({ path, action, size, ...(message ? { message } : {}) });
    const f = this.inFlight.get(path);
    // Counted to send at its size; what Box held already (a plan's hits, a resumed session's parts) was never this run's to send.
    if (f?.counted) this.bytesToSend -= Math.max(0, size - outcome.bytesSent);
    f?.metered?.settled(RESULTS[action], outcome.bytesSent, outcome.bytesPlanned);
    const seconds = this.seconds(f);
    this.settle(path, outcome.bytesSent);
    this.emit({
      type: "file",
      path,
      action,
      size,
      bytesSent: outcome.bytesSent,
      seconds,
      ...(outcome.id ? { id: outcome.id } : {}),
      ...(outcome.versionId ? { versionId: outcome.versionId } : {}),
      ...(outcome.sha1 ? { sha1: outcome.sha1 } : {}),
      ...(message ? { message } : {}),
    });
  }

  /** Seconds since the file began, to the millisecond. */
  private seconds(f: { began: number } | undefined): number {
    return f ? (Date.now() - f.began) / 1000 : 0;
  }

  /** Bytes read from local files (to hash, to send). */
  read(bytes: number): void {
    this.summary.bytesRead += bytes;
  }

  /** The run stopped starting files: its window closed. */
  stopped(why: "max-duration" | "max-transfer"): void {
    this.summary.stopped ??= why;
  }

  /** A Box item moved (or would, in a dry run) from `from` to `path`, where the local tree has it. */
  moved(from: string, path: string, type: "file" | "folder", id: string): void {
    this.summary.moved++;
    this.meter.settled("moved", 1);
    const [shownFrom, shown] = type === "folder" ? [`${from}/`, `${path}/`] : [from, path];
    this.summary.plan?.push({ path: shown, from: shownFrom, action: "move" });
    this.emit({ type: "moved", path: shown, from: shownFrom, action: "move", id });
  }

  /** A Box item went to the trash (in a dry run: would go); `items` counts what it held too. */
  deleted(path: string, type: "file" | "folder" | "web_link", items: number, id: string): void {
    this.summary.deleted += items;
    this.meter.settled("deleted", items);
    const shown = type === "folder" ? `${path}/` : path;
    this.summary.plan?.push({ path: shown, action: "delete", items });
    this.emit({ type: "deleted", path: shown, action: "delete", items, id });
  }

  /** A file (or a folder) failed. */
  failed(path: string, error: string, size?: number): void {
    this.summary.failed++;
    this.summary.failures.push({ path, error });
    this.summary.plan?.push({ path, action: "fail", ...(size === undefined ? {} : { size }), message: error });
    const f = this.inFlight.get(path);
    // One that never began (a folder, a file the walk could not read) is this process's failure.
    if (f) f.metered?.settled("failed", f.bytesSent, 0);
    else this.meter.settled("failed", 1);
    const seconds = this.seconds(f);
    this.settle(path, 0);
    this.emit({ type: "failed", path, message: error, seconds, ...(size === undefined ? {} : { size }) });
  }

  private settle(path: string, sentBytes: number): void {
    if (this.inFlight.delete(path)) this.filesDone++;
    this.bytesSentDone += sentBytes;
    this.progress();
  }

  finish(): SyncSummary {
    this.summary.seconds = (Date.now() - this.started) / 1000;
    // A dry run's plan lists its moves first (they are decided last, once the walk is whole).
    if (this.summary.plan) this.summary.plan = [...this.summary.plan.filter((p) => p.action === "move"), ...this.summary.plan.filter((p) => p.action !== "move")];
    return this.summary;
  }

  /** The caller's callbacks: one that throws must not change a count nor stop the sync (like a logger). */
  private emit(event: SyncEvent): void {
    try {
      this.settings.onEvent(event);
    } catch {
      /* ignored */
    }
  }

  private progress(): void {
    if (!this.settings.onProgress) return;
    let sending = 0;
    for (const f of this.inFlight.values()) sending += f.bytesSent;
    try {
      this.settings.onProgress({
        filesSeen: this.filesSeen,
        walkDone: this.walkDone,
        filesDone: this.filesDone,
        bytesToSend: this.bytesToSend,
        bytesSent: this.bytesSentDone + sending,
        inFlight: [...this.inFlight.values()].map((f) => ({ path: f.path, size: f.size, bytesSent: f.bytesSent })),
      });
    } catch {
      /* ignored */
    }
  }
}
