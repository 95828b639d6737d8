/**
 * How `sync` shows a tree going in: on a terminal, a few live lines redrawn in place (files
 * done/total, bytes, speed, ETA, the files in flight); otherwise one line per settled file, so a
 * log or a pipe reads as a record. Everything on stderr; stdout is for the result.
 */
import type { SyncEvent, SyncProgress } from "../index";
import { printable } from "./output";
import { etaText } from "./progressView";

export interface TreeView {
  event(e: SyncEvent): void;
  progress(p: SyncProgress): void;
  stop(): void;
}

const MB = 1e6;
const WIDTH = 79;
const SHOWN = 4;

const fit = (text: string) => (text.length > WIDTH ? `${text.slice(0, WIDTH - 1)}…` : text);
/** A path cut from the left, where names differ least. */
const tail = (path: string, room: number) => (path.length > room ? `…${path.slice(path.length - room + 1)}` : path);

/** The live lines for a progress state (pure, for tests). */
export function treeLines(p: SyncProgress, elapsedMs: number): string[] {
  const rate = p.bytesSent / Math.max(elapsedMs / 1000, 0.001);
  // The total is open until the walk is over, and so is the time left.
  const eta = p.walkDone ? etaText(p.bytesToSend - p.bytesSent, rate) : "-";
  const total = p.walkDone ? String(p.filesSeen) : `${p.filesSeen}+`;
  const lines = [
    fit(`files ${p.filesDone}/${total}  sent ${(p.bytesSent / MB).toFixed(1)}/${(p.bytesToSend / MB).toFixed(1)} MB  ${(rate / MB).toFixed(1)} MB/s  eta ${eta}`),
  ];
  for (const f of p.inFlight.slice(0, SHOWN)) {
    const pct = f.size ? Math.floor((100 * f.bytesSent) / f.size) : 0;
    lines.push(fit(`  ${String(pct).padStart(3)}% ${tail(printable(f.path), WIDTH - 8)}`));
  }
  if (p.inFlight.length > SHOWN) lines.push(`  … and ${p.inFlight.length - SHOWN} more`);
  return lines;
}

/** One record line per event (pure, for tests). */
export function eventLine(e: SyncEvent): string {
  const path = printable(e.path);
  const size = e.size === undefined ? "" : ` (${e.size} bytes)`;
  if (e.type === "failed") return `failed   ${path}: ${printable(e.message)}`;
  if (e.type === "notice") return `left out ${path}: ${printable(e.message)}`;
  if (e.type === "folder") return `folder   ${path}/`;
  const word = e.action === "upload" ? "uploaded" : e.action === "version" ? "versioned" : "skipped ";
  return `${word} ${path}${size}${e.message ? `: ${printable(e.message)}` : ""}`;
}

export function createTreeView(mode: "tty" | "lines" | "quiet" | "none", out: NodeJS.WritableStream): TreeView {
  const started = Date.now();
  if (mode !== "tty") {
    return {
      // --quiet still reports what failed, on stderr like any error.
      event: (e) => {
        if (mode === "lines" || (mode === "quiet" && e.type === "failed")) out.write(`${eventLine(e)}\n`);
      },
      progress: () => undefined,
      stop: () => undefined,
    };
  }
  let drawn = 0;
  let latest: SyncProgress | undefined;
  let lastDraw = 0;
  let stopped = false;
  const draw = () => {
    if (!latest || stopped) return;
    const lines = treeLines(latest, Date.now() - started);
    // Up over what we drew last time, clearing each line, then the new lines.
    out.write(`${drawn ? `\x1b[${drawn}F` : ""}${lines.map((l) => `\x1b[2K${l}`).join("\n")}\n\x1b[J`);
    drawn = lines.length;
    lastDraw = Date.now();
  };
  const clear = () => {
    if (drawn && !stopped) out.write(`\x1b[${drawn}F\x1b[J`);
    drawn = 0;
  };
  return {
    event: (e) => {
      // Failures and notices stay on screen above the live lines; settled files just count.
      if (e.type !== "failed" && e.type !== "notice") return;
      clear();
      out.write(`${eventLine(e)}\n`);
      draw();
    },
    progress: (p) => {
      latest = p;
      if (Date.now() - lastDraw >= 100) draw();
    },
    // The last frame stays on screen; after it nothing moves the cursor over what others print.
    stop: () => {
      draw();
      stopped = true;
    },
  };
}
