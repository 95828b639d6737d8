/**
 * How the CLI shows progress: a live bar (cli-progress) on a terminal, a plain line every few
 * seconds when output is a pipe or a log, nothing when quiet. Everything goes to stderr so stdout
 * stays clean for the result (and for --json). The bar moves with bytes sent (in flight included)
 * and shows how much Box has acknowledged; speed and ETA count only this run's bytes, so a
 * resumed upload does not claim the speed of parts a previous run sent.
 */
import { SingleBar } from "cli-progress";
import type { UploadProgress } from "../index";

export interface ProgressView {
  update(p: UploadProgress): void;
  stop(): void;
}

const MB = 1e6;

/** This run's rate and time left, from bytes sent since it began (resumed bytes excluded). */
function pace(p: UploadProgress, elapsedMs: number): { rate: number; eta: string } {
  const ours = Math.max(0, p.bytesSent - p.bytesResumed);
  const rate = ours / Math.max(elapsedMs / 1000, 0.001);
  return { rate, eta: etaText(p.totalBytes - p.bytesSent, rate) };
}

/** Time left for `left` bytes at `rate` bytes/s: "0s" when done, "-" when there is no rate yet. */
export function etaText(left: number, rate: number): string {
  return left <= 0 ? "0s" : rate > 0 ? `${Math.ceil(left / rate)}s` : "-";
}

/** One plain progress line (at most 80 columns); pure so it can be tested. */
export function progressLine(p: UploadProgress, elapsedMs: number): string {
  const pct = p.totalBytes ? (100 * p.bytesSent) / p.totalBytes : 100;
  const { rate, eta } = pace(p, elapsedMs);
  return (
    `${pct.toFixed(1)}% sent ${(p.bytesSent / MB).toFixed(1)}/${(p.totalBytes / MB).toFixed(1)} MB` +
    ` acked ${(p.bytesUploaded / MB).toFixed(1)} MB ${(rate / MB).toFixed(1)} MB/s eta ${eta}` +
    (p.totalParts > 1 ? ` parts ${p.partsUploaded}/${p.totalParts}` : "")
  ).slice(0, 80);
}

/** The line a resumed run starts with, so its numbers make sense. */
export function resumeLine(p: UploadProgress): string | undefined {
  if (p.bytesResumed <= 0 || !p.sessionId) return undefined;
  return `resuming session ${p.sessionId}: ${p.partsUploaded}/${p.totalParts} parts already stored`;
}

export function createProgressView(mode: "tty" | "lines" | "none", stream: NodeJS.WriteStream = process.stderr): ProgressView {
  const started = Date.now();
  if (mode === "none") return { update() {}, stop() {} };
  let announced = false;
  const announce = (p: UploadProgress) => {
    const line = announced ? undefined : resumeLine(p);
    if (!line) return;
    announced = true;
    stream.write(`${line}\n`);
  };
  if (mode === "lines") {
    let last = 0;
    let final = "";
    return {
      update(p) {
        announce(p);
        final = progressLine(p, Date.now() - started);
        if (Date.now() - last >= 2000 || p.bytesUploaded === p.totalBytes) {
          last = Date.now();
          stream.write(`${final}\n`);
          final = "";
        }
      },
      stop() {
        if (final) stream.write(`${final}\n`);
      },
    };
  }
  // 20 columns of bar + at most 58 of text: fits 80.
  const bar = new SingleBar({
    stream,
    format: "{bar} {percentage}% {sent}/{total_mb} MB acked {acked} {speed} MB/s eta {eta}",
    barsize: 20,
    hideCursor: true,
  });
  let begun = false;
  return {
    update(p) {
      announce(p);
      const { rate, eta } = pace(p, Date.now() - started);
      const payload = {
        sent: (p.bytesSent / MB).toFixed(1),
        total_mb: (p.totalBytes / MB).toFixed(1),
        acked: (p.bytesUploaded / MB).toFixed(1),
        speed: (rate / MB).toFixed(1),
        eta,
      };
      if (!begun) {
        begun = true;
        bar.start(p.totalBytes, p.bytesSent, payload);
      } else bar.update(p.bytesSent, payload);
    },
    stop() {
      if (begun) bar.stop();
    },
  };
}
