/**
 * How the CLI shows progress: a live bar (cli-progress) on a terminal, a plain line every few
 * seconds when output is a pipe or a log, nothing when quiet. Everything goes to stderr so stdout
 * stays clean for the result (and for --json).
 */
import { SingleBar } from "cli-progress";
import type { UploadProgress } from "../index";

export interface ProgressView {
  update(p: UploadProgress): void;
  stop(): void;
}

const MB = 1e6;

/** One plain progress line; pure so it can be tested. */
export function progressLine(p: UploadProgress, elapsedMs: number): string {
  const pct = p.totalBytes ? (100 * p.bytesUploaded) / p.totalBytes : 100;
  const rate = p.bytesUploaded / Math.max(elapsedMs / 1000, 0.001);
  const etaS = rate > 0 ? (p.totalBytes - p.bytesUploaded) / rate : Infinity;
  return (
    `${pct.toFixed(1)}% ${(p.bytesUploaded / MB).toFixed(1)}/${(p.totalBytes / MB).toFixed(1)} MB` +
    ` ${(rate / MB).toFixed(1)} MB/s eta ${Number.isFinite(etaS) ? `${Math.ceil(etaS)}s` : "-"}` +
    ` parts ${p.partsUploaded}/${p.totalParts}`
  );
}

export function createProgressView(mode: "tty" | "lines" | "none", stream: NodeJS.WriteStream = process.stderr): ProgressView {
  const started = Date.now();
  if (mode === "none") return { update() {}, stop() {} };
  if (mode === "lines") {
    let last = 0;
    let final = "";
    return {
      update(p) {
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
  const bar = new SingleBar({
    stream,
    format: "{bar} {percentage}% | {done}/{total_mb} MB | {speed} MB/s | eta {eta_formatted} | parts {parts}",
    hideCursor: true,
    etaBuffer: 20,
  });
  let begun = false;
  return {
    update(p) {
      const payload = {
        done: (p.bytesUploaded / MB).toFixed(1),
        total_mb: (p.totalBytes / MB).toFixed(1),
        speed: (p.bytesUploaded / MB / Math.max((Date.now() - started) / 1000, 0.001)).toFixed(1),
        parts: `${p.partsUploaded}/${p.totalParts}`,
      };
      if (!begun) {
        begun = true;
        bar.start(p.totalBytes, p.bytesUploaded, payload);
      } else bar.update(p.bytesUploaded, payload);
    },
    stop() {
      if (begun) bar.stop();
    },
  };
}
