/** Renders the bench's results as the plain-text tables it prints. */
import { cpuPerGiB, type PhysicalResult } from "./physical";
import { medianCost, type ModeResult, type SizeResult, type Summary } from "./results";
import { GiB, MB, MiB } from "./stats";
import { signed, type Verdict } from "./targets";
import type { WrapperResult } from "./wrapper";

function cells(values: (string | number)[], widths: number[]): string {
  return values.map((v, i) => (i === 0 ? String(v).padEnd(widths[i]!) : String(v).padStart(widths[i]!))).join("  ");
}

export function sizeLabel(bytes: number): string {
  return bytes >= GiB ? `${+(bytes / GiB).toFixed(2)} GiB` : `${+(bytes / MiB).toFixed(1)} MiB`;
}

export function modeTitle(mode: ModeResult): string {
  const shaping = mode.bytesPerSecond !== undefined
    ? `shaped like a link to Box: ${(mode.bytesPerSecond / MB).toFixed(0)} MB/s per request, +${mode.latencyMs} ms per answer`
    : "unshaped loopback";
  return mode.tls ? `HTTPS (TLS, throwaway certificate via NODE_EXTRA_CA_CERTS), ${shaping}` : shaping;
}

/** The minimal reference's row at a concurrency, in the same mode (the same server, the same run). */
function reference(mode: ModeResult, concurrency: number): Summary | undefined {
  return mode.rows.find((r) => r.kind === "minimal" && r.concurrency === concurrency)?.summary;
}

const WIDTHS = [20, 4, 7, 8, 6, 6, 6, 9, 8, 6];

export function modeTable(mode: ModeResult): string[] {
  const sdk = mode.rows.find((r) => r.kind === "sdk")?.summary;
  const lines = [`  ${cells(["client", "conc", "wall s", "MB/s", "x SDK", "x ref", "CPU s", "CPU-s/GiB", "peak RSS", "SHA-1"], WIDTHS)}`];
  for (const row of mode.rows) {
    const s = row.summary;
    if (!s) continue;
    const ref = row.kind === "minimal" ? undefined : reference(mode, row.concurrency);
    lines.push(
      `  ${cells(
        [
          row.label,
          row.concurrency,
          s.seconds.toFixed(2),
          s.mbPerSecond.toFixed(1),
          sdk ? (s.mbPerSecond / sdk.mbPerSecond).toFixed(2) : "-",
          ref ? (s.mbPerSecond / ref.mbPerSecond).toFixed(2) : "-",
          s.cpuSeconds.toFixed(2),
          s.cpuPerGiB.toFixed(2),
          `${(s.peakRssBytes / MB).toFixed(0)} MB`,
          s.sha1Ok === s.runs ? `ok ${s.sha1Ok}/${s.runs}` : `BAD ${s.runs - s.sha1Ok}/${s.runs}`,
        ],
        WIDTHS,
      )}`,
    );
  }
  if (sdk) lines.push(`  (official SDK runs took ${mode.sdkWallSeconds.toFixed(0)} s in all, process start included)`);
  lines.push("  (x ref: MB/s over the minimal reference's at the same concurrency, in this mode)");
  return lines;
}

const TLS_HEADER = ["client", "conc", "MB/s http", "MB/s tls", "tls/http", "CPU/GiB http", "CPU/GiB tls", "+CPU", "RSS http", "RSS tls", "x ref tls"];
const TLS_WIDTHS = [20, 4, 9, 8, 8, 12, 11, 6, 8, 7, 9];

/**
 * Each client over HTTPS next to the same client over plain HTTP, same shaping: throughput, CPU
 * per GiB and peak RSS, and how much of the plain figure TLS keeps (or adds).
 */
export function tlsTable(plain: ModeResult, tls: ModeResult): string[] {
  const lines = [`  ${cells(TLS_HEADER, TLS_WIDTHS)}`];
  for (const row of tls.rows) {
    const t = row.summary;
    const p = plain.rows.find((r) => r.kind === row.kind && r.concurrency === row.concurrency && r.isDefault === row.isDefault)?.summary;
    if (!t) continue;
    const ref = row.kind === "minimal" ? undefined : reference(tls, row.concurrency);
    lines.push(
      `  ${cells(
        [
          row.label,
          row.concurrency,
          p ? p.mbPerSecond.toFixed(1) : "-",
          t.mbPerSecond.toFixed(1),
          p ? (t.mbPerSecond / p.mbPerSecond).toFixed(2) : "-",
          p ? p.cpuPerGiB.toFixed(2) : "-",
          t.cpuPerGiB.toFixed(2),
          p ? signed(t.cpuPerGiB - p.cpuPerGiB, 2) : "-",
          p ? `${(p.peakRssBytes / MB).toFixed(0)} MB` : "-",
          `${(t.peakRssBytes / MB).toFixed(0)} MB`,
          ref ? (t.mbPerSecond / ref.mbPerSecond).toFixed(2) : "-",
        ],
        TLS_WIDTHS,
      )}`,
    );
  }
  lines.push("  (CPU/GiB: client CPU-s per GiB; +CPU: what TLS adds; x ref tls: MB/s over the minimal reference's over TLS, same concurrency)");
  return lines;
}

export function physicalTable(runs: PhysicalResult[], partSize: number): string[] {
  const sha1 = medianCost(runs.map((r) => r.sha1));
  const read = medianCost(runs.map((r) => r.read));
  const rate = (c: { bytes: number; seconds: number }) => `${(c.bytes / c.seconds / MB).toFixed(0)} MB/s`.padStart(10);
  const cpu = (c: Parameters<typeof cpuPerGiB>[0]) => `${cpuPerGiB(c).toFixed(2)} CPU-s/GiB`.padStart(16);
  const part = `${partSize / MiB} MiB`;
  const lines = [
    `  ${`SHA-1, one core, ${part} buffers`.padEnd(48)}${rate(sha1)}${cpu(sha1)}`,
    `  ${`file read, positioned, reused ${part} buffer`.padEnd(48)}${rate(read)}${cpu(read)}   (page cache: file just written)`,
  ];
  const concurrencies = runs[0]?.put.map((p) => p.concurrency) ?? [];
  let putFloor = Infinity;
  for (const c of concurrencies) {
    const put = medianCost(runs.map((r) => r.put.find((p) => p.concurrency === c)!));
    putFloor = Math.min(putFloor, cpuPerGiB(put));
    lines.push(`  ${`raw PUT to a loopback sink, no hashing, conc ${c}`.padEnd(48)}${rate(put)}${cpu(put)}`);
  }
  const floor = 2 * cpuPerGiB(sha1) + cpuPerGiB(read) + putFloor;
  lines.push(`  => CPU floor of any uploader (2 x SHA-1 + read + PUT): ${floor.toFixed(2)} CPU-s/GiB`);
  return lines;
}

export function verdictLines(verdicts: Verdict[]): string[] {
  return verdicts.map(
    (v) => `  ${v.target.padEnd(58)}  ${v.measured.padEnd(34)}  ${v.met === undefined ? "-" : v.met ? "MET" : "MISSED"}`,
  );
}

export function wrapperLines(w: WrapperResult): string[] {
  return [
    `  ${w.calls} sequential createUploadSessionForExistingFile calls, median of ${w.reps} repetitions (after warm-up):`,
    `  ${"our client".padEnd(40)}${w.oursUs.toFixed(0).padStart(6)} us/call  ${w.oursCpuUs.toFixed(0).padStart(5)} CPU-us/call`,
    `  ${"plain fetch (same request, body parsed)".padEnd(40)}${w.fetchUs.toFixed(0).padStart(6)} us/call  ${w.fetchCpuUs.toFixed(0).padStart(5)} CPU-us/call`,
    `  overhead vs plain fetch: ${signed(w.overheadUs, 0)} us/call (${signed(w.overheadPct)}%)`,
  ];
}

export function sizeHeader(size: SizeResult, runs: number): string {
  return `== ${sizeLabel(size.bytes)} (part ${size.partSize / MiB} MiB), median of ${runs} run${runs === 1 ? "" : "s"} ==`;
}
