/**
 * State shared by one diff run: both documents, how to name their component schemas, where the
 * fragment documents deviations, the differences found so far, and the queue of named schemas
 * still to compare. Named schemas are compared once, by name, so a change inside e.g. User--Mini
 * is reported once as `schema User--Mini...` instead of at each of its many uses.
 */
import { hasDeviation, nodesNamedByRootDeviations, operationsOmittedByRootDeviations } from "./documented";
import { children, child, isNode, type Difference, type DifferenceKind, type Node } from "./types";

export type Side = "fragment" | "official";

export class DiffContext {
  readonly differences: Difference[] = [];
  private readonly names: Record<Side, Map<Node, string>>;
  private readonly mappedDeviations: Set<Node>;
  private readonly omittedOperations: Set<string>;
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly seenPairs = new WeakMap<Node, WeakSet<Node>>();

  constructor(
    readonly fragment: Node,
    readonly official: Node,
  ) {
    this.names = { fragment: componentNames(fragment), official: componentNames(official) };
    this.mappedDeviations = nodesNamedByRootDeviations(fragment);
    this.omittedOperations = operationsOmittedByRootDeviations(fragment);
  }

  report(kind: DifferenceKind, where: string, message: string, documented: boolean): void {
    this.differences.push({ kind, where, message, documented });
  }

  /** Whether this fragment node itself documents a deviation (callers add what they inherit). */
  documents(fragmentNode: Node | undefined): boolean {
    return fragmentNode !== undefined && (hasDeviation(fragmentNode) || this.mappedDeviations.has(fragmentNode));
  }

  /** Whether the fragment documents leaving out this official operation (path as Box writes it). */
  omits(path: string, method: string): boolean {
    return this.omittedOperations.has(`${method.toUpperCase()} ${path}`);
  }

  /**
   * The component name of a schema node. Dereferencing keeps object identity (every use of
   * `#/components/schemas/X` is the very object stored there), so identity tells the name.
   */
  nameOf(side: Side, node: Node): string | undefined {
    return this.names[side].get(node);
  }

  schema(side: Side, name: string): Node | undefined {
    return child(child(child(side === "fragment" ? this.fragment : this.official, "components"), "schemas"), name);
  }

  /** Asks for fragment schema `name` to be compared with the official schema of the same name. */
  enqueue(name: string): void {
    if (this.queued.has(name)) return;
    this.queued.add(name);
    this.queue.push(name);
  }

  nextQueued(): string | undefined {
    return this.queue.shift();
  }

  /** False when this pair was compared already: guards against cycles in dereferenced schemas. */
  firstVisit(fragmentNode: Node, officialNode: Node): boolean {
    let seen = this.seenPairs.get(fragmentNode);
    if (!seen) this.seenPairs.set(fragmentNode, (seen = new WeakSet()));
    if (seen.has(officialNode)) return false;
    seen.add(officialNode);
    return true;
  }
}

function componentNames(doc: Node): Map<Node, string> {
  const names = new Map<Node, string>();
  for (const [name, schema] of children(child(doc, "components"), "schemas")) {
    // A component that is only a $ref to another one shares its object; the first name wins.
    if (isNode(schema) && !names.has(schema)) names.set(schema, name);
  }
  return names;
}
