/** Small numeric helpers and units for the bench. */

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Decimal megabytes, the unit the shaping flags (bytes/s) and the targets use. */
export const MB = 1e6;
/** Binary units, for file sizes and part sizes. */
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** A plain table: the first `left` columns padded right, the rest padded left (numbers). */
export function table(head: string[], rows: string[][], left = 1): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [head, ...rows].map((r) => r.map((c, i) => (i < left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")).join("\n");
}
