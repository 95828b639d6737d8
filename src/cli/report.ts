/**
 * `--report FILE`: one JSON object per file decided, in JSON Lines, appended as each one settles
 * (what it became, its Box id and version, SHA-1, bytes sent, seconds; the error of a failure).
 * Each line is one write(2) to a file opened for appending, so a process killed at any moment
 * leaves whole lines only (the kernel has each line once the call returns; a power cut is another
 * matter). Folders created and notices are not files decided: they are in the terminal's lines.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import type { SyncAction, SyncEvent } from "../index";

/** What an action is called in the report; a dry run's changes are what they would be. */
const DONE: Partial<Record<SyncAction, string>> = { upload: "uploaded", version: "versioned", skip: "skipped", defer: "deferred", move: "moved", delete: "deleted", fail: "failed" };
const WOULD: Partial<Record<SyncAction, string>> = { upload: "would-upload", version: "would-version", move: "would-move", delete: "would-delete" };

/** The report's line for an event, or undefined for one that is not a file decided. */
export function reportLine(e: SyncEvent, dryRun: boolean, now: Date = new Date()): string | undefined {
  const action = e.type === "failed" ? "failed" : e.action && e.type !== "folder" && e.type !== "notice" ? ((dryRun && WOULD[e.action]) || DONE[e.action]) : undefined;
  if (!action) return undefined;
  return JSON.stringify({
    time: now.toISOString(),
    path: e.path,
    action,
    ...(e.from !== undefined ? { from: e.from } : {}),
    ...(e.id !== undefined ? { id: e.id } : {}),
    ...(e.versionId !== undefined ? { version_id: e.versionId } : {}),
    ...(e.sha1 !== undefined ? { sha1: e.sha1 } : {}),
    ...(e.size !== undefined ? { size: e.size } : {}),
    ...(e.items !== undefined ? { items: e.items } : {}),
    ...(e.bytesSent !== undefined ? { bytes_sent: e.bytesSent } : {}),
    ...(e.seconds !== undefined ? { seconds: e.seconds } : {}),
    ...(e.type === "failed" ? { error: e.message ?? "failed" } : e.message ? { message: e.message } : {}),
  });
}

export class ReportFile {
  private constructor(private fd: number | undefined) {}

  /** Opens `path` for appending (made if missing, owner-only); a path that cannot be opened throws at once, before anything is sent. */
  static open(path: string): ReportFile {
    return new ReportFile(openSync(path, "a", 0o600));
  }

  /** Appends the event's line (cleaned by `redact`), if it is a file decided. A write that fails is said once by `onError`, and the run goes on. */
  write(e: SyncEvent, dryRun: boolean, redact: (text: string) => string, onError: (err: unknown) => void): void {
    if (this.fd === undefined) return;
    const line = reportLine(e, dryRun);
    if (line === undefined) return;
    try {
      writeSync(this.fd, `${redact(line)}\n`);
    } catch (err) {
      this.close();
      onError(err);
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      /* closing is best effort: every line is already written */
    }
    this.fd = undefined;
  }
}
