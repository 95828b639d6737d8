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
  properties: Map<string, Fact<Node>>;
  items: Fact<Node> | undefined;
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
        if (isNode(schema) && !shape.properties.has(property)) shape.properties.set(property, fact(schema));
      }
    }
    if (isNode(node.items) && !shape.items) shape.items = fact(node.items);
    if (Array.isArray(node.allOf)) {
      for (const member of node.allOf) if (isNode(member)) visit(member, origin, documented);
    }
  };

  visit(root, undefined, shape.documented);
  return shape;
}
