/**
 * Compares two schemas: the fragment's and the official one at the same place. Named component
 * schemas are compared by name (queued in the context), inline ones structurally via their shapes.
 */
import type { DiffContext } from "./context";
import { flatten, COMPARED_KEYWORDS, type Fact, type Keyword, type Shape } from "./shape";
import { isNode, type Node } from "./types";

/** Values a missing keyword means anyway, so `nullable: false` equals no `nullable` at all. */
const IMPLIED: Partial<Record<Keyword, unknown>> = { nullable: false };

/**
 * `where` labels the schema for people: `schema UploadSession.total_parts`,
 * `PUT /files/upload_sessions/{upload_session_id} header parameter digest`, ...
 */
export function compareSchemas(ctx: DiffContext, where: string, fragment: Node, official: Node, inheritedDoc: boolean): void {
  const documented = inheritedDoc || ctx.documents(fragment);
  const fragmentName = ctx.nameOf("fragment", fragment);
  const officialName = ctx.nameOf("official", official);
  // Every component the fragment uses gets compared with Box's component of the same name.
  if (fragmentName !== undefined) ctx.enqueue(fragmentName);
  if (fragmentName !== undefined && officialName !== undefined) {
    // Reported at every place it happens (File for File--Full in Files.entries and in GET
    // /files/{file_id} are two deviations), hence before the visited-pair check below.
    if (fragmentName !== officialName) {
      ctx.report("changed", where, `schema changed ${fragmentName} -> ${officialName}`, documented);
    }
    // Same name: compared once under its own name. Different names: the line above says it all;
    // comparing e.g. File with File--Full property by property would only repeat it.
    return;
  }
  if (!ctx.firstVisit(fragment, official)) return;
  compareShapes(ctx, where, flatten(ctx, "fragment", fragment, documented), flatten(ctx, "official", official, false));
}

/** Compares fragment schema `name` with the official schema of that name (both must exist). */
export function compareNamedSchema(ctx: DiffContext, name: string, fragment: Node, official: Node): void {
  const documented = ctx.documents(fragment);
  compareShapes(ctx, `schema ${name}`, flatten(ctx, "fragment", fragment, documented), flatten(ctx, "official", official, false), name);
}

function compareShapes(ctx: DiffContext, where: string, f: Shape, o: Shape, ownName?: string): void {
  for (const base of f.bases) ctx.enqueue(base);
  // A fact declared by a component both sides build on is compared under that component instead.
  const shared = (origin: string | undefined): boolean =>
    origin !== undefined && origin !== ownName && f.bases.has(origin) && o.bases.has(origin);
  const skip = (ff: Fact<unknown> | undefined, of: Fact<unknown> | undefined): boolean => {
    if (ff && of) return ff.origin === of.origin && shared(ff.origin);
    const only = ff ?? of;
    return only === undefined || shared(only.origin);
  };
  const doc = (ff: Fact<unknown> | undefined): boolean => (ff ? ff.documented : f.documented);

  for (const keyword of COMPARED_KEYWORDS) {
    const ff = f.keywords.get(keyword);
    const of = o.keywords.get(keyword);
    if (skip(ff, of)) continue;
    if (keyword === "enum") compareEnums(ctx, where, ff?.value, of?.value, doc(ff));
    else {
      const before = ff ? ff.value : IMPLIED[keyword];
      const after = of ? of.value : IMPLIED[keyword];
      if (!sameJson(before, after)) {
        ctx.report("changed", where, `${keyword} changed ${show(keyword, before)} -> ${show(keyword, after)}`, doc(ff));
      }
    }
  }

  const names = new Set([...f.properties.keys(), ...o.properties.keys()]);
  const reportedPresence = new Set<string>();
  for (const name of names) {
    const fs = f.properties.get(name) ?? [];
    const os = o.properties.get(name) ?? [];
    if (fs.length > 0 && os.length > 0) {
      for (const [ff, of] of pairDeclarations(fs, os)) {
        if (!skip(ff, of)) compareSchemas(ctx, `${where}.${name}`, ff.value, of.value, ff.documented);
      }
      continue;
    }
    const ff = fs[0];
    const of = os[0];
    if (skip(ff, of)) continue;
    if (of) {
      reportedPresence.add(name);
      ctx.report("added", where, `property ${name} added${o.required.has(name) ? " (required)" : ""}`, f.documented);
    } else if (ff) {
      reportedPresence.add(name);
      const documented = ff.documented || ctx.documents(ff.value);
      ctx.report("removed", where, `property ${name} removed${f.required.has(name) ? " (was required)" : ""}`, documented);
    }
  }

  // Required-ness is its own fact: a schema may require a property that a base declares. A
  // property reported as added/removed above already says whether it is required.
  for (const name of new Set([...f.required.keys(), ...o.required.keys()])) {
    const ff = f.required.get(name);
    const of = o.required.get(name);
    if (reportedPresence.has(name) || skip(ff, of) || Boolean(ff) === Boolean(of)) continue;
    const documented = ff?.documented ?? f.properties.get(name)?.[0]?.documented ?? f.documented;
    ctx.report("changed", where, `property ${name} is now ${of ? "required" : "optional"}`, documented);
  }

  const fi = f.items;
  const oi = o.items;
  if (!skip(fi, oi)) {
    if (fi && oi) compareSchemas(ctx, `${where}[]`, fi.value, oi.value, fi.documented);
    else if (oi) ctx.report("added", where, "items schema added", f.documented);
    else if (fi) ctx.report("removed", where, "items schema removed", fi.documented);
  }

  for (const combinator of ["oneOf", "anyOf"] as const) {
    const fc = f[combinator];
    const oc = o[combinator];
    if (skip(fc, oc)) continue;
    if (fc && oc) {
      // Members are alternatives in document order; Resource is oneOf [Folder--Mini, File--Mini].
      const shared = Math.min(fc.value.length, oc.value.length);
      for (let i = 0; i < shared; i++) compareSchemas(ctx, `${where}.${combinator}[${i}]`, fc.value[i]!, oc.value[i]!, fc.documented);
      for (let i = shared; i < oc.value.length; i++) ctx.report("added", where, `${combinator} member ${i} added`, fc.documented);
      for (let i = shared; i < fc.value.length; i++) ctx.report("removed", where, `${combinator} member ${i} removed`, fc.documented);
    } else if (oc) {
      ctx.report("added", where, `${combinator} added`, f.documented);
    } else if (fc) {
      ctx.report("removed", where, `${combinator} removed`, fc.documented);
      // Components used only inside the fragment's alternatives still get compared by name.
      for (const member of fc.value) enqueueNamed(ctx, member, new Set());
    }
  }
}

/**
 * Pairs the declarations of one property on both sides: first those of the same origin (a base
 * component, or the schema itself), then the rest in order. A declaration left without a partner
 * is compared with the other side's first one, so no declaration escapes comparison.
 */
function pairDeclarations(fs: Fact<Node>[], os: Fact<Node>[]): [Fact<Node>, Fact<Node>][] {
  const pairs: [Fact<Node>, Fact<Node>][] = [];
  const freeF = [...fs];
  const freeO: Fact<Node>[] = [];
  for (const of of os) {
    const i = freeF.findIndex((ff) => ff.origin === of.origin);
    if (i >= 0) pairs.push([freeF.splice(i, 1)[0]!, of]);
    else freeO.push(of);
  }
  while (freeF.length > 0 && freeO.length > 0) pairs.push([freeF.shift()!, freeO.shift()!]);
  for (const of of freeO) pairs.push([fs[0]!, of]);
  for (const ff of freeF) pairs.push([ff, os[0]!]);
  return pairs;
}

/** Queues the named components found in `schema` (itself, or nested in items/properties/combinators). */
function enqueueNamed(ctx: DiffContext, schema: Node, seen: Set<Node>): void {
  if (seen.has(schema)) return;
  seen.add(schema);
  const name = ctx.nameOf("fragment", schema);
  if (name !== undefined) {
    ctx.enqueue(name);
    return;
  }
  const nested: unknown[] = [schema.items, ...Object.values(isNode(schema.properties) ? schema.properties : {})];
  for (const combinator of ["allOf", "oneOf", "anyOf"]) {
    const members = schema[combinator];
    if (Array.isArray(members)) nested.push(...members);
  }
  for (const node of nested) if (isNode(node)) enqueueNamed(ctx, node, seen);
}

function compareEnums(ctx: DiffContext, where: string, before: unknown, after: unknown, documented: boolean): void {
  if (!Array.isArray(before) && !Array.isArray(after)) return;
  if (!Array.isArray(before)) {
    ctx.report("added", where, `enum added: ${(after as unknown[]).map(quote).join(", ")}`, documented);
    return;
  }
  if (!Array.isArray(after)) {
    ctx.report("removed", where, "enum removed (any value allowed now)", documented);
    return;
  }
  const had = new Set(before.map(quote));
  const has = new Set(after.map(quote));
  for (const value of has) if (!had.has(value)) ctx.report("added", where, `enum value ${value} added`, documented);
  for (const value of had) if (!has.has(value)) ctx.report("removed", where, `enum value ${value} removed`, documented);
}

function quote(value: unknown): string {
  return JSON.stringify(value);
}

function show(keyword: Keyword, value: unknown): string {
  if (value === undefined) return "(none)";
  return typeof value === "string" && keyword !== "default" ? value : JSON.stringify(value);
}

/** Deep equality of JSON values, key order ignored. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
