/**
 * Keeps what a server sends from carrying our secrets or driving a terminal. Every token the
 * client has used is remembered (a refresh does not forget the old one), and any text that leaves
 * the library in an error is passed through `clean`: each token, raw or as it appears escaped in
 * JSON, becomes [redacted], and control characters (and the bidi overrides that reorder a line)
 * are written as \u escapes.
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NEWLINES = /[\n\r\t]/g;

function escape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

export class Secrets {
  private readonly known = new Set<string>();

  remember(secret: string): void {
    if (secret.length >= 4) this.known.add(secret);
  }

  /** Token-free text; `multiline` keeps \n and \t (for stacks), else they are escaped too. */
  clean(text: string, multiline = false): string {
    let out = text;
    for (const secret of this.known) {
      for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])) {
        if (out.includes(form)) out = out.split(form).join("[redacted]");
      }
    }
    out = out.replace(UNSAFE, escape);
    return multiline ? out.replace(/\r/g, escape) : out.replace(NEWLINES, escape);
  }

  /** A deep copy of `value` with every string cleaned (for context_info and the like). */
  cleanValue(value: unknown, depth = 0): unknown {
    if (typeof value === "string") return this.clean(value);
    if (depth > 8 || value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map((v) => this.cleanValue(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[this.clean(k)] = this.cleanValue(v, depth + 1);
    return out;
  }

  /**
   * Cleans an error in place, with its cause chain: message, stack and every own string or object
   * field. Our errors are built from server text in many places; cleaning them where they leave
   * the library is the one place that cannot be forgotten.
   */
  cleanError<E>(err: E): E {
    const seen = new Set<unknown>();
    for (let e: unknown = err, depth = 0; e && typeof e === "object" && !seen.has(e) && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
      seen.add(e);
      const target = e as Record<string, unknown>;
      for (const key of Object.getOwnPropertyNames(target)) {
        if (key === "cause") continue;
        const value = target[key];
        const cleaned = key === "stack" && typeof value === "string" ? this.clean(value, true) : this.cleanValue(value);
        if (cleaned !== value) {
          try {
            Object.defineProperty(target, key, { value: cleaned, writable: true, configurable: true, enumerable: Object.prototype.propertyIsEnumerable.call(target, key) });
          } catch {
            /* a frozen field stays as it is; it was not built from server text by us */
          }
        }
      }
    }
    return err;
  }
}
