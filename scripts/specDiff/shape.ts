/**
 * Flattens a schema and its allOf members into one "shape": the keywords we compare, the required
 * properties and the properties themselves. Comparing shapes instead of raw JSON makes editorial
 * rewrites invisible (a $ref wrapped in `allOf: [$ref, {}]` has the same shape as the bare $ref)
 * while real API facts still differ.
 *
 * Each fact remembers its origin: the component schema that declares it. A fact both sides inherit
 * from the same named base is skipped where it is inherited and compared once under that base.
 */
import type { DiffContext, Side } from "./context";
import { isNode, type Node } from "./types";

/**
 * Keywords that state API facts. Everything else (description, example, summary, title, x-box-*)
 * is prose or tooling metadata and is never compared: the fragment uses its own words.
 */
export const COMPARED_KEYWORDS = [
  "type",
  "format",
  "nullable",
  "enum",
  "default",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "pattern",
] as const;
export type Keyword = (typeof COMPARED_KEYWORDS)[number];

export interface Fact<T> {
  value: T;
  /** Component schema that declares the fact; undefined for inline schemas. */
  origin: string | undefined;
  /** Fragment side only: declared at or below a node that documents a deviation. */
  documented: boolean;
  /** Fragment side only: the value came from `x-official-<keyword>`, which no deviation excuses. */
  recordedOfficial: boolean;
}

export interface Shape {
  /** The root node documents a deviation (or inherits one): covers facts the fragment lacks. */
  documented: boolean;
  /** Component schemas this shape was built from (the root's own name included). */
  bases: Set<string>;
  keywords: Map<Keyword, Fact<unknown>>;
  required: Map<string, Fact<true>>;
  /**
   * Every declaration of each property, in visit order. A property may be declared by several
   * allOf members (ConflictError narrows the context_info of its base ClientError): all of them
   * apply, so all are compared, each with the other side's declaration of the same origin.
   */
  properties: Map<string, Fact<Node>[]>;
  items: Fact<Node> | undefined;
  /** The members of the first oneOf / anyOf met (own before allOf members). */
  oneOf: Fact<Node[]> | undefined;
  anyOf: Fact<Node[]> | undefined;
}

/**
 * Builds the shape of `root`. The first declaration of a keyword wins, own keywords before allOf
 * members, so `{allOf: [X], nullable: true}` is nullable whatever X says. Both documents go
 * through the same rule, so identical constructs always compare equal.
 */
export function flatten(ctx: DiffContext, side: Side, root: Node, inheritedDoc: boolean): Shape {
  const shape: Shape = {
    documented: inheritedDoc || (side === "fragment" && ctx.documents(root)),
    bases: new Set(),
    keywords: new Map(),
    required: new Map(),
    properties: new Map(),
    items: undefined,
    oneOf: undefined,
    anyOf: undefined,
  };
  const seen = new Set<Node>();

  const visit = (node: Node, inheritedOrigin: string | undefined, inheritedDocumented: boolean): void => {
    if (seen.has(node)) return; // allOf cycles exist only in broken documents, but must not hang us
    seen.add(node);
    const name = ctx.nameOf(side, node);
    if (name !== undefined) shape.bases.add(name);
    const origin = name ?? inheritedOrigin;
    const documented = inheritedDocumented || (side === "fragment" && ctx.documents(node));
    const fact = <T>(value: T, recordedOfficial = false): Fact<T> => ({
      value,
      origin,
      documented: documented && !recordedOfficial,
      recordedOfficial,
    });

    for (const keyword of COMPARED_KEYWORDS) {
      if (shape.keywords.has(keyword)) continue;
      // The fragment may keep the official value of a keyword it deliberately drops (ClientError.code
      // keeps the official enum under x-official-enum); that copy is what we compare with Box.
      const recorded = side === "fragment" ? node[`x-official-${keyword}`] : undefined;
      if (recorded !== undefined) shape.keywords.set(keyword, fact(recorded, true));
      else if (node[keyword] !== undefined) shape.keywords.set(keyword, fact(node[keyword]));
    }
    if (Array.isArray(node.required)) {
      for (const property of node.required) {
        if (typeof property === "string" && !shape.required.has(property)) shape.required.set(property, fact(true as const));
      }
    }
    const properties = node.properties;
    if (isNode(properties)) {
      for (const [property, schema] of Object.entries(properties)) {
        if (!isNode(schema)) continue;
        const declarations = shape.properties.get(property) ?? [];
        declarations.push(fact(schema));
        shape.properties.set(property, declarations);
      }
    }
    if (isNode(node.items) && !shape.items) shape.items = fact(node.items);
    for (const combinator of ["oneOf", "anyOf"] as const) {
      const members = node[combinator];
      if (Array.isArray(members) && !shape[combinator]) shape[combinator] = fact(members.filter(isNode));
    }
    if (Array.isArray(node.allOf)) {
      for (const member of node.allOf) if (isNode(member)) visit(member, origin, documented);
    }
  };

  visit(root, undefined, shape.documented);
  return shape;
}
