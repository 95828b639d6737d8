/**
 * How `new` and `version` show an upload: a live bar on a terminal (through the one screen,
 * screen.ts), a plain line every few seconds when stderr is a pipe or a log, nothing when quiet.
 * Everything goes to stderr so stdout stays clean for the result. The bar moves with the file's
 * bytes sent (in flight included) and says how much Box has acknowledged; speed and time left
 * count only this run's bytes (a resumed upload does not claim the speed of parts a previous run
 * sent), and no time left is shown before a few seconds of measured rate.
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

/** This run's rate and time left, from bytes sent since it began (resumed bytes excluded). */
export function pace(p: UploadProgress, elapsedMs: number): { rate: number; eta: string } {
  // Parts a resumed session held and parts the plan found in Box were never sent by this run.
  const ours = Math.max(0, p.bytesSent - p.bytesResumed - p.bytesPlanned);
  const rate = ours / Math.max(elapsedMs / 1000, 0.001);
  return { rate, eta: elapsedMs < ETA_AFTER_MS && p.bytesSent < p.totalBytes ? "-" : etaText(p.totalBytes - p.bytesSent, rate) };
}

/** The numbers after the bar, or of a plain line: sent, acknowledged, speed, time left, parts. */
function figures(p: UploadProgress, elapsedMs: number): string {
  const { rate, eta } = pace(p, elapsedMs);
  return (
    `${mb(p.bytesSent)}/${mb(p.totalBytes)} MB acked ${mb(p.bytesUploaded)} MB ${mb(rate)} MB/s eta ${eta}` +
    (p.totalParts > 1 ? ` parts ${p.partsUploaded}/${p.totalParts}` : "")
  );
}

const percent = (p: UploadProgress) => (p.totalBytes ? Math.min(100, (100 * p.bytesSent) / p.totalBytes) : 100);

/** One plain progress line (at most 80 columns); pure so it can be tested. */
export function progressLine(p: UploadProgress, elapsedMs: number): string {
  return `${percent(p).toFixed(1)}% sent ${figures(p, elapsedMs)}`.slice(0, 80);
}

/** The live line on a terminal: a bar of 16, then the figures. */
export function barLine(p: UploadProgress, elapsedMs: number): string {
  const filled = Math.round((16 * percent(p)) / 100);
  return `[${"#".repeat(filled)}${"-".repeat(16 - filled)}] ${percent(p).toFixed(0).padStart(3)}% ${figures(p, elapsedMs)}`;
}

/** The line a resumed run starts with, so its numbers make sense: the parts Box holds for the session. */
export function resumeLine(p: UploadProgress): string | undefined {
  if (p.resumedParts <= 0 || !p.sessionId) return undefined;
  return `resuming session ${p.sessionId}: ${p.resumedParts}/${p.totalParts} parts already in Box`;
}

export function createProgressView(mode: "tty" | "lines" | "none", screen: Screen): ProgressView {
  const started = Date.now();
  if (mode === "none") return { update() {}, stop() {} };
  let announced = false;
  let last: UploadProgress | undefined;
  const announce = (p: UploadProgress) => {
    const line = announced ? undefined : resumeLine(p);
    if (!line) return;
    announced = true;
    screen.say(line);
  };
  if (mode === "lines") {
    let lastLine = 0;
    let pending = false;
    return {
      update(p) {
        announce(p);
        last = p;
        pending = true;
        if (Date.now() - lastLine >= 2000 || p.bytesUploaded === p.totalBytes) {
          lastLine = Date.now();
          pending = false;
          screen.say(progressLine(p, Date.now() - started));
        }
      },
      stop() {
        if (pending && last) screen.say(progressLine(last, Date.now() - started));
        pending = false;
      },
    };
  }
  return {
    update(p) {
      announce(p);
      last = p;
      screen.live([barLine(p, Date.now() - started)]);
    },
    stop() {
      if (last) screen.live([barLine(last, Date.now() - started)], true);
      screen.stop();
    },
  };
}
