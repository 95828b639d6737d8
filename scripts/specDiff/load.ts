/**
 * Reading and dereferencing documents. Dereferencing is left to json-schema-ref-parser; we only
 * make sure it cannot reach outside the document.
 */
import { dereference } from "@apidevtools/json-schema-ref-parser";
import { readFile } from "node:fs/promises";
import yaml from "js-yaml";
import { isNode, type Node } from "./types";

/** Parses a JSON or YAML file (by extension; YAML is a superset of JSON, so it is the fallback). */
export async function readDocument(path: string): Promise<unknown> {
  const text = await readFile(path, "utf8");
  return path.endsWith(".json") ? JSON.parse(text) : yaml.load(text);
}

/**
 * Returns a dereferenced copy; `raw` is left untouched (the parser rewrites its input in place).
 * External references are not followed: a downloaded document must not make us fetch URLs or read
 * local files. Circular references become object cycles (`circular: true`) rather than `$ref`
 * leftovers, so every schema keeps its identity (how we name schemas); the comparison guards
 * against those cycles with visited sets (DiffContext.firstVisit, flatten's `seen`).
 */
export async function dereferenceDocument(raw: unknown): Promise<Node> {
  if (!isNode(raw)) throw new TypeError("an OpenAPI document must be a JSON/YAML object");
  const copy = structuredClone(raw);
  const result: unknown = await dereference(copy as never, {
    resolve: { external: false },
    dereference: { circular: true },
  });
  if (!isNode(result)) throw new TypeError("dereferencing did not produce an object");
  return result;
}

export async function loadDocument(path: string): Promise<Node> {
  return dereferenceDocument(await readDocument(path));
}
