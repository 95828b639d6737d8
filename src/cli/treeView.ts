/**
 * How `sync` shows a tree going in: on a terminal, a few live lines redrawn in place through the
 * one screen (files done/total, bytes, speed, time left, the files in flight); otherwise one line
 * per settled file, so a log or a pipe reads as a record. Everything on stderr; stdout is for the
 * result.
 */
import type { SyncEvent, SyncProgress } from "../index";
import { printable } from "./output";
import { etaText } from "./progressView";
import type { Screen } from "./screen";
import { cut, displayWidth, fitColumns } from "./width";

export interface TreeView {
  event(e: SyncEvent): void;
  progress(p: SyncProgress): void;
  stop(): void;
}

const MB = 1e6;
const WIDTH = 79;
const SHOWN = 4;
/** Rate measured for less than this gives no time left. */
const ETA_AFTER_MS = 3000;

const fit = (text: string) => cut(text, WIDTH);
/** A path cut from the left, where names differ least. */
const tail = (path: string, room: number) => {
  if (displayWidth(path) <= room) return path;
  const reversed = fitColumns([...path].reverse().join(""), room - 1);
  return `…${[...reversed].reverse().join("")}`;
};

/** The live lines for a progress state (pure, for tests); `cap`, a bandwidth cap in bytes a second, is shown beside the speed in its unit. */
export function treeLines(p: SyncProgress, elapsedMs: number, cap?: number): string[] {
  const rate = p.bytesSent / Math.max(elapsedMs / 1000, 0.001);
  // The total is open until the walk is over, and so is the time left.
  const eta = p.walkDone && elapsedMs >= ETA_AFTER_MS ? etaText(p.bytesToSend - p.bytesSent, rate) : "-";
  const total = p.walkDone ? String(p.filesSeen) : `${p.filesSeen}+`;
  const lines = [
    fit(`files ${p.filesDone}/${total}  sent ${(p.bytesSent / MB).toFixed(1)}/${(p.bytesToSend / MB).toFixed(1)} MB  ${(rate / MB).toFixed(1)} MB/s${cap ? ` (cap ${(cap / MB).toFixed(1)})` : ""}  eta ${eta}`),
  ];
  for (const f of p.inFlight.slice(0, SHOWN)) {
    const pct = f.size ? Math.floor((100 * f.bytesSent) / f.size) : 0;
    lines.push(fit(`  ${String(pct).padStart(3)}% ${tail(printable(f.path), WIDTH - 8)}`));
  }
  if (p.inFlight.length > SHOWN) lines.push(`  … and ${p.inFlight.length - SHOWN} more`);
  return lines;
}

/** One record line per event (pure, for tests); a dry run says what it would do, never that it did. */
export function eventLine(e: SyncEvent, dryRun = false): string {
  const path = printable(e.path);
  const size = e.size === undefined ? "" : ` (${e.size} bytes)`;
  if (e.type === "failed") return `failed   ${path}: ${printable(e.message)}`;
  if (e.type === "notice") return `left out ${path}: ${printable(e.message)}`;
  if (e.type === "folder") return dryRun ? `would create folder ${path}/` : `folder   ${path}/`;
  if (e.type === "moved") return `${dryRun ? "would move" : "moved   "} ${printable(e.from ?? "")} -> ${path}`;
  if (e.type === "deleted") {
    const what = e.items !== undefined && e.items > 1 ? ` (${e.items} items)` : "";
    return dryRun ? `would trash ${path}${what}` : `trashed  ${path}${what}`;
  }
  const word = dryRun
    ? e.action === "upload" ? "would upload" : e.action === "version" ? "would version" : "would skip"
    : e.action === "upload" ? "uploaded" : e.action === "version" ? "versioned" : "skipped ";
  return `${word} ${path}${size}${e.message ? `: ${printable(e.message)}` : ""}`;
}

/**
 * `lines`: one record line per event (for a log or a pipe); `tty`: live lines through the screen,
 * with failures and notices kept above them; `quiet`: failures only; `none`: nothing (--json).
 */
export function createTreeView(mode: "tty" | "lines" | "quiet" | "none", screen: Screen, dryRun = false, cap?: number): TreeView {
  const started = Date.now();
  if (mode !== "tty") {
    return {
      // --quiet still reports what failed, on stderr like any error.
      event: (e) => {
        if (mode === "lines" || (mode === "quiet" && e.type === "failed")) screen.say(eventLine(e, dryRun));
      },
      progress: () => undefined,
      stop: () => undefined,
    };
  }
  let latest: SyncProgress | undefined;
  return {
    event: (e) => {
      // Failures, notices and deletions stay on screen above the live lines; settled files just count.
      if (e.type === "failed" || e.type === "notice" || e.type === "deleted" || e.type === "moved") screen.say(eventLine(e, dryRun));
    },
    progress: (p) => {
      latest = p;
      screen.live(treeLines(p, Date.now() - started, cap));
    },
    // The last frame stays on screen; after it nothing moves the cursor over what others print.
    stop: () => {
      if (latest) screen.live(treeLines(latest, Date.now() - started, cap), true);
      screen.stop();
    },
  };
}
