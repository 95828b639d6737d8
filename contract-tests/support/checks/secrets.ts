/**
 * Checking that a secret (a token) is nowhere in an error: not in its text, stack, JSON, inspected
 * form, own fields or causes, in any of the forms the secret takes escaped in JSON or a URL.
 */
import { inspect } from "node:util";

/** Every form in which an error could show a secret: text, stack, JSON, inspect, own fields, causes. */
export function renderings(err: unknown): string[] {
  const out: string[] = [inspect(err, { depth: 12, showHidden: true })];
  const seen = new Set<unknown>();
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && !seen.has(e) && depth < 12; depth++) {
    seen.add(e);
    out.push(String(e));
    if (typeof e === "object") {
      const o = e as Record<string, unknown>;
      out.push(String(o.message), String(o.stack));
      try {
        out.push(JSON.stringify(e));
      } catch {
        /* a cycle: inspect above covers it */
      }
      for (const key of Object.getOwnPropertyNames(o)) {
        try {
          out.push(`${key}=${typeof o[key] === "string" ? o[key] : JSON.stringify(o[key])}`);
        } catch {
          /* ignore */
        }
      }
      e = o.cause;
    } else break;
  }
  return out;
}

/** The secret, and the forms it takes escaped in JSON or a URL. */
export function formsOf(secret: string): string[] {
  return [...new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])];
}

/** Fails with the offending rendering when any form of any secret appears anywhere in `err`. */
export function expectNoSecret(err: unknown, secrets: string[]): void {
  const found: string[] = [];
  for (const text of renderings(err)) {
    for (const secret of secrets) {
      for (const form of formsOf(secret)) {
        if (text.includes(form)) found.push(`${JSON.stringify(form)} in ${JSON.stringify(text.slice(0, 300))}`);
      }
    }
  }
  expect(found).toEqual([]);
}
