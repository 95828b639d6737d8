/**
 * How `new` and `version` show an upload: a live bar on a terminal (through the one screen,
 * screen.ts), a plain line every few seconds when stderr is a pipe or a log, nothing when quiet.
 * Everything goes to stderr so stdout stays clean for the result. The bar moves with what Box holds
 * already (a resumed session's parts, the plan's hits: "held") and what this run sent, in flight
 * included ("sent"), shown apart; speed and time left count only this run's bytes, the speed beside
 * the bandwidth cap in the same unit, and no time left is shown before a few seconds of measured rate.
 */
import type { UploadProgress } from "../index";
import type { Screen } from "./screen";

export interface ProgressView {
  update(p: UploadProgress): void;
  stop(): void;
}

const MB = 1e6;
/** Rate measured for less than this gives no time left: the first second's figure is noise. */
const ETA_AFTER_MS = 3000;

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)}`;

/** Time left for `left` bytes at `rate` bytes/s, as `12s`, `3m05s` or `1h02m`; `-` without a rate. */
export function etaText(left: number, rate: number): string {
  if (left <= 0) return "0s";
  if (!(rate > 0)) return "-";
  const s = Math.ceil(left / rate);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** What Box held already of the file when this run began or planned (never sent by this run). */
const heldOf = (p: UploadProgress) => p.bytesResumed + p.bytesPlanned;

/** This run's rate and time left, from the bytes this run sent (held bytes are no part of its speed). */
export function pace(p: UploadProgress, elapsedMs: number): { rate: number; eta: string } {
  const rate = p.bytesSent / Math.max(elapsedMs / 1000, 0.001);
  const left = p.totalBytes - heldOf(p) - p.bytesSent;
  return { rate, eta: elapsedMs < ETA_AFTER_MS && left > 0 ? "-" : etaText(left, rate) };
}

/** A bandwidth cap (bytes a second) in the unit speeds are shown in, to read beside them. */
const capText = (cap: number | undefined) => (cap ? ` (cap ${mb(cap)})` : "");

/** The numbers after the bar, or of a plain line: sent by this run, held by Box already, speed, time left, parts. */
function figures(p: UploadProgress, elapsedMs: number, cap: number | undefined): string {
  const { rate, eta } = pace(p, elapsedMs);
  const held = heldOf(p);
  const amounts = held > 0 ? `sent ${mb(p.bytesSent)} + held ${mb(held)} of ${mb(p.totalBytes)} MB` : `sent ${mb(p.bytesSent)}/${mb(p.totalBytes)} MB`;
  return `${amounts} ${mb(rate)} MB/s${capText(cap)} eta ${eta}` + (p.totalParts > 1 ? ` parts ${p.partsUploaded}/${p.totalParts}` : "");
}

/** Of the whole file, what is in Box or on its way: held, and sent by this run. */
const percent = (p: UploadProgress) => (p.totalBytes ? Math.min(100, (100 * (heldOf(p) + p.bytesSent)) / p.totalBytes) : 100);

/** One plain progress line (at most 80 columns); pure so it can be tested. */
export function progressLine(p: UploadProgress, elapsedMs: number, cap?: number): string {
  return `${percent(p).toFixed(1)}% ${figures(p, elapsedMs, cap)}`.slice(0, 80);
}

/** The live line on a terminal: a bar of 16, then the figures. */
export function barLine(p: UploadProgress, elapsedMs: number, cap?: number): string {
  const filled = Math.round((16 * percent(p)) / 100);
  return `[${"#".repeat(filled)}${"-".repeat(16 - filled)}] ${percent(p).toFixed(0).padStart(3)}% ${figures(p, elapsedMs, cap)}`;
}

/** The line a resumed run starts with, so its numbers make sense: the parts Box holds for the session. */
export function resumeLine(p: UploadProgress): string | undefined {
  if (p.resumedParts <= 0 || !p.sessionId) return undefined;
  return `resuming session ${p.sessionId}: ${p.resumedParts}/${p.totalParts} parts already in Box`;
}

/** `cap`: the bandwidth cap in bytes a second, shown beside the speed in the same unit. */
export function createProgressView(mode: "tty" | "lines" | "none", screen: Screen, cap?: number): ProgressView {
  const started = Date.now();
  if (mode === "none") return { update() {}, stop() {} };
  let announced = false;
  let planSaid = false;
  let last: UploadProgress | undefined;
  const announce = (p: UploadProgress) => {
    if (p.plan === "unavailable" && !planSaid) {
      planSaid = true;
      screen.say("Box offered no upload plan for this upload: every part is sent");
    }
    const line = announced ? undefined : resumeLine(p);
    if (!line) return;
    announced = true;
    screen.say(line);
  };
  if (mode === "lines") {
    let lastLine = 0;
    let pending = false;
    let lastText = "";
    // A line every 2 s, and the last; never the same line twice in a row.
    const say = (p: UploadProgress) => {
      const text = progressLine(p, Date.now() - started, cap);
      if (text !== lastText) screen.say(text);
      lastText = text;
      lastLine = Date.now();
      pending = false;
    };
    return {
      update(p) {
        announce(p);
        last = p;
        pending = true;
        if (Date.now() - lastLine >= 2000 || p.bytesUploaded === p.totalBytes) say(p);
      },
      stop() {
        if (pending && last) say(last);
      },
    };
  }
  return {
    update(p) {
      announce(p);
      last = p;
      screen.live([barLine(p, Date.now() - started, cap)]);
    },
    stop() {
      if (last) screen.live([barLine(last, Date.now() - started, cap)], true);
      screen.stop();
    },
  };
}
