/** The shapes the bench collects and writes to .bench/results-*.json, and their medians. */
import type { ClientResult } from "./measure";
import type { Cost, PhysicalResult } from "./physical";
import { GiB, MB, median } from "./stats";

export type ClientKind = "ours" | "sdk" | "minimal";

export interface Summary {
  seconds: number;
  mbPerSecond: number;
  cpuSeconds: number;
  cpuPerGiB: number;
  peakRssBytes: number;
  /** Runs whose committed SHA-1 equalled the source's. */
  sha1Ok: number;
  runs: number;
}

export interface ClientRow {
  label: string;
  kind: ClientKind;
  concurrency: number;
  /** True for our uploader with no options: the configuration the targets are about. */
  isDefault: boolean;
  runs: ClientResult[];
  summary?: Summary;
}

/**
 * Server modes: plain HTTP unshaped or shaped like a link to Box, and the same two over HTTPS
 * (the local server's throwaway certificate, trusted through NODE_EXTRA_CA_CERTS). "tls" is
 * shaped, like the "shaped" mode it is compared with; "tls-unshaped" shows TLS's CPU cost bare.
 */
export type ModeName = "unshaped" | "shaped" | "tls" | "tls-unshaped";

export const MODES: Record<ModeName, { shaped: boolean; tls: boolean; plain?: ModeName }> = {
  unshaped: { shaped: false, tls: false },
  shaped: { shaped: true, tls: false },
  tls: { shaped: true, tls: true, plain: "shaped" },
  "tls-unshaped": { shaped: false, tls: true, plain: "unshaped" },
};

export function isModeName(name: string): name is ModeName {
  return Object.hasOwn(MODES, name);
}

/** `--modes` as given, checked; with `--tls`, each plain mode followed by its TLS twin. */
export function parseModes(raw: string, addTls: boolean): ModeName[] {
  const listed = raw.split(",").map((m) => {
    if (!isModeName(m)) throw new Error(`--modes takes ${Object.keys(MODES).join(", ")}; got ${m}`);
    return m;
  });
  const twin = (m: ModeName): ModeName[] => (MODES[m].tls ? [m] : [m, m === "shaped" ? "tls" : "tls-unshaped"]);
  return [...new Set(addTls ? listed.flatMap(twin) : listed)];
}

export interface ModeResult {
  name: ModeName;
  /** Served over HTTPS. */
  tls?: boolean;
  bytesPerSecond?: number;
  latencyMs?: number;
  rows: ClientRow[];
  /** Wall seconds the official SDK's runs took, process start included. */
  sdkWallSeconds: number;
}

export interface SizeResult {
  bytes: number;
  partSize: number;
  sha1: string;
  physical: PhysicalResult[];
  modes: ModeResult[];
}

/** Medians of each figure over the runs (taken one by one, so one slow run moves none of them). */
export function summarize(runs: ClientResult[], bytes: number, sha1: string): Summary {
  const seconds = median(runs.map((r) => r.seconds));
  const cpuSeconds = median(runs.map((r) => r.cpuSeconds));
  return {
    seconds,
    mbPerSecond: bytes / seconds / MB,
    cpuSeconds,
    cpuPerGiB: cpuSeconds / (bytes / GiB),
    peakRssBytes: median(runs.map((r) => r.peakRssBytes)),
    sha1Ok: runs.filter((r) => r.sha1 === sha1).length,
    runs: runs.length,
  };
}

/** The median run of one physical cost, by seconds. */
export function medianCost(costs: Cost[]): Cost {
  const sorted = [...costs].sort((a, b) => a.seconds - b.seconds);
  return sorted[(sorted.length - 1) >> 1]!;
}
