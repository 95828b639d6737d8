/**
 * Shared vocabulary of the spec diff. A difference is always described from the point of view of
 * the official description: "added" means Box's document has something our fragment does not.
 */

export type DifferenceKind = "added" | "removed" | "changed";

export interface Difference {
  kind: DifferenceKind;
  /** What the difference is about, e.g. `POST /files/upload_sessions` or `schema UploadSession.total_parts`. */
  where: string;
  /** What changed, e.g. `response 400 added` or `type changed integer -> string`. */
  message: string;
  /** True when the fragment documents the deviation (see documented.ts), so it must not fail the run. */
  documented: boolean;
}

/** Any JSON object of a (dereferenced) OpenAPI document: a path item, an operation, a schema... */
export type Node = Record<string, unknown>;

export function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `node[key]` when it is an object; OpenAPI documents are untyped JSON, so every read is checked. */
export function child(node: Node | undefined, key: string): Node | undefined {
  const value = node?.[key];
  return isNode(value) ? value : undefined;
}

/** The entries of `map` whose values are objects, in document order. */
export function objectEntries(map: Node | undefined): [string, Node][] {
  if (!map) return [];
  return Object.entries(map).filter((entry): entry is [string, Node] => isNode(entry[1]));
}

/** The entries of `node[key]` that are objects, in document order. */
export function children(node: Node | undefined, key: string): [string, Node][] {
  return objectEntries(child(node, key));
}

export function line(d: Difference): string {
  return `${d.where}: ${d.message}${d.documented ? " (documented deviation)" : ""}`;
}
