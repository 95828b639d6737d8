/**
 * The sync's globs (picomatch, `/`-separated, dot files included; a pattern without `/` matches a
 * name at any depth): what the walk leaves out, and, the same rule read the other way, what a
 * mirror never deletes.
 */
import picomatch from "picomatch";

export interface Globs {
  /** Left out of the sync: matched by an exclude, or a file no include matches. */
  leftOut(path: string, kind: "file" | "folder"): boolean;
}

const matcher = (patterns: string[]) => (patterns.length ? picomatch(patterns, { dot: true, basename: true }) : undefined);

export function globs(include: string[], exclude: string[]): Globs {
  const inc = matcher(include);
  const exc = matcher(exclude);
  return {
    leftOut: (path, kind) => exc?.(path) === true || (kind === "file" && inc !== undefined && !inc(path)),
  };
}
