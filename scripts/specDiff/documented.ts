/**
 * Which fragment nodes document a deviation. The rule is deliberately simple so a reader can
 * predict it: a difference is documented when it lies at or below a fragment node that carries
 * `x-deviation`, or below a node named by a root `x-deviations[].where` entry that is a plain
 * dotted path (e.g. `components.schemas.Files.properties.entries`), and an official operation the
 * fragment leaves out when an entry's `where` is `paths.<path>.<method>` (there is no node to mark
 * in the fragment, see operationsOmittedByRootDeviations). Free-text `where` entries
 * ("whole document", "File--Mini and Folder--Mini, ...") cannot be mapped to one node and are
 * ignored rather than guessed at. The document root itself never counts: its `x-deviation`
 * is about servers, and treating it as covering "everything below" would excuse every change.
 */
import { child, isNode, type Node } from "./types";

export function hasDeviation(node: Node | undefined): boolean {
  return node !== undefined && node["x-deviation"] !== undefined;
}

/** Fragment nodes named by resolvable root `x-deviations[].where` paths. */
export function nodesNamedByRootDeviations(fragment: Node): Set<Node> {
  const found = new Set<Node>();
  const entries = fragment["x-deviations"];
  if (!Array.isArray(entries)) return found;
  for (const entry of entries) {
    const where = isNode(entry) ? entry.where : undefined;
    if (typeof where !== "string" || /\s/.test(where)) continue;
    const node = resolveDottedPath(fragment, where.split("."));
    if (node && node !== fragment) found.add(node);
  }
  return found;
}

const METHOD = /^paths\.(\/\S*)\.(get|put|post|delete|options|head|patch|trace)$/;

/**
 * Official operations the fragment leaves out on purpose, as `METHOD /path` labels: root
 * `x-deviations` entries whose `where` is `paths.<path>.<method>` and names no operation of the
 * fragment (there is no node to carry an `x-deviation`, since the operation is not there).
 * E.g. `paths./oauth2/token#refresh.post` documents leaving out Box's refresh variation.
 */
export function operationsOmittedByRootDeviations(fragment: Node): Set<string> {
  const found = new Set<string>();
  const entries = fragment["x-deviations"];
  if (!Array.isArray(entries)) return found;
  for (const entry of entries) {
    const where = isNode(entry) ? entry.where : undefined;
    const match = typeof where === "string" ? METHOD.exec(where) : null;
    if (!match) continue;
    const [, path, method] = match as unknown as [string, string, string];
    if (!child(child(child(fragment, "paths"), path), method)) found.add(`${method.toUpperCase()} ${path}`);
  }
  return found;
}

/**
 * Follows `a.b.c` through the (dereferenced) fragment. `properties.X` also looks inside allOf
 * members, because the entries describe a schema's effective properties ("File.properties.parent"
 * although File declares parent inside its second allOf member).
 */
function resolveDottedPath(root: Node, segments: string[]): Node | undefined {
  let current: Node | undefined = root;
  for (let i = 0; i < segments.length && current; i++) {
    const segment = segments[i]!;
    if (segment === "properties" && i + 1 < segments.length) {
      current = findProperty(current, segments[++i]!, new Set());
    } else {
      current = child(current, segment);
    }
  }
  return current;
}

function findProperty(schema: Node, name: string, seen: Set<Node>): Node | undefined {
  if (seen.has(schema)) return undefined;
  seen.add(schema);
  const own = child(child(schema, "properties"), name);
  if (own) return own;
  const members = schema.allOf;
  if (!Array.isArray(members)) return undefined;
  for (const member of members) {
    const found = isNode(member) ? findProperty(member, name, seen) : undefined;
    if (found) return found;
  }
  return undefined;
}
