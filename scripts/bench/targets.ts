/**
 * What the uploader must reach, checked against the bench's medians: with the shaped server and
 * our uploader at its defaults, throughput >= 5x the official SDK's and >= 0.9x the minimal reference at the same
 * concurrency; client CPU <= 2.0 CPU-s/GiB; peak RSS <= (concurrency+1) x part_size + 100 MB.
 * The wrapper: < 10% per-call overhead over plain fetch.
 */
import { DEFAULT_CONCURRENCY } from "../../src";
import type { ModeName, SizeResult, Summary } from "./results";
import { MB } from "./stats";
import type { WrapperResult } from "./wrapper";

export interface Verdict {
  target: string;
  measured: string;
  /** undefined when the figures it needs were not measured. */
  met: boolean | undefined;
}

export const TARGETS = {
  vsSdk: 5,
  vsReference: 0.9,
  cpuPerGiB: 2.0,
  rssSlackBytes: 100 * MB,
  wrapperOverheadPct: 10,
};

export function rssBound(partSize: number, concurrency = DEFAULT_CONCURRENCY): number {
  return (concurrency + 1) * partSize + TARGETS.rssSlackBytes;
}

/** The targets for one mode's results: "shaped" is what they are about; "tls" is checked alike. */
export function sizeTargets(size: SizeResult, modeName: ModeName = "shaped"): Verdict[] {
  const shaped = size.modes.find((m) => m.name === modeName);
  const find = (pick: (kind: string, concurrency: number, isDefault: boolean) => boolean): Summary | undefined =>
    shaped?.rows.find((r) => pick(r.kind, r.concurrency, r.isDefault))?.summary;
  const ours = find((kind, _c, isDefault) => kind === "ours" && isDefault);
  const sdk = find((kind) => kind === "sdk");
  const reference = find((kind, c) => kind === "minimal" && c === DEFAULT_CONCURRENCY);
  const mbps = (s: Summary) => `${s.mbPerSecond.toFixed(1)} MB/s`;
  const ratio = (a?: Summary, b?: Summary) => (a && b ? a.mbPerSecond / b.mbPerSecond : undefined);
  const vsSdk = ratio(ours, sdk);
  const vsRef = ratio(ours, reference);
  const bound = rssBound(size.partSize);
  return [
    {
      target: `throughput >= ${TARGETS.vsSdk}x official SDK`,
      measured: vsSdk === undefined ? "not measured" : `${mbps(ours!)} / ${mbps(sdk!)} = ${vsSdk.toFixed(2)}x`,
      met: vsSdk === undefined ? undefined : vsSdk >= TARGETS.vsSdk,
    },
    {
      target: `throughput >= ${TARGETS.vsReference}x minimal reference at conc ${DEFAULT_CONCURRENCY}`,
      measured: vsRef === undefined ? "not measured" : `${mbps(ours!)} / ${mbps(reference!)} = ${vsRef.toFixed(2)}x`,
      met: vsRef === undefined ? undefined : vsRef >= TARGETS.vsReference,
    },
    {
      target: `client CPU <= ${TARGETS.cpuPerGiB.toFixed(1)} CPU-s/GiB`,
      measured: ours ? `${ours.cpuPerGiB.toFixed(2)} CPU-s/GiB` : "not measured",
      met: ours ? ours.cpuPerGiB <= TARGETS.cpuPerGiB : undefined,
    },
    {
      target: `peak RSS <= (${DEFAULT_CONCURRENCY}+1) x ${size.partSize / 2 ** 20} MiB + 100 MB = ${(bound / MB).toFixed(0)} MB`,
      measured: ours ? `${(ours.peakRssBytes / MB).toFixed(0)} MB` : "not measured",
      met: ours ? ours.peakRssBytes <= bound : undefined,
    },
    {
      target: "committed SHA-1 equals the source's (every run)",
      measured: ours ? `${ours.sha1Ok}/${ours.runs}` : "not measured",
      met: ours ? ours.sha1Ok === ours.runs : undefined,
    },
  ];
}

export function wrapperTargets(w: WrapperResult): Verdict[] {
  return [
    {
      target: `wrapper overhead per call < ${TARGETS.wrapperOverheadPct}% over plain fetch`,
      measured: `${w.oursUs.toFixed(0)} vs ${w.fetchUs.toFixed(0)} us = ${signed(w.overheadPct)}%`,
      met: w.overheadPct < TARGETS.wrapperOverheadPct,
    },
  ];
}

export function signed(n: number, digits = 1): string {
  return `${n >= 0 ? "+" : ""}${n.toFixed(digits)}`;
}
