/** Turns differences into the grouped text the CLI prints. */
import { line, type Difference, type DifferenceKind } from "./types";

const GROUPS: [DifferenceKind, string][] = [
  ["added", "New in the official description:"],
  ["removed", "Removed from the official description:"],
  ["changed", "Changed:"],
];

export function formatReport(differences: Difference[]): string {
  const out: string[] = [];
  for (const [kind, title] of GROUPS) {
    const group = differences.filter((d) => d.kind === kind);
    out.push(title, ...(group.length ? group.map((d) => `  ${line(d)}`) : ["  (none)"]), "");
  }
  const undocumented = differences.filter((d) => !d.documented).length;
  out.push(
    `${differences.length} difference(s): ${differences.length - undocumented} documented, ${undocumented} undocumented.`,
  );
  if (undocumented > 0) {
    out.push("Update openapi/box-chunked-uploads.yaml, or document the deviation there with x-deviation.");
  }
  return out.join("\n");
}
