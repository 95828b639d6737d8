/** Where things are in this repository, for the scripts and the tests alike. */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/** The repository root: the nearest folder upwards with a package.json (also from a build under .build/). */
function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const ROOT = findRoot(__dirname);
/** The OpenAPI fragment the client's types, Prism and the validating proxy are all built from. */
export const SPEC = join(ROOT, "openapi", "box-chunked-uploads.yaml");
/** The CLI's source, run with ts-node by the demo (the tests run the built one in dist/). */
export const CLI_SOURCE = join(ROOT, "src", "cli", "main.ts");
/** The built package's Node entry and CLI, which jest's global setup builds. */
export const DIST = join(ROOT, "dist", "src");
export const CLI = join(DIST, "cli", "main.js");
/** The one upload child process the tests start (see its header). */
export const UPLOAD_CHILD = join(ROOT, "contract-tests", "support", "process", "uploadChild.js");
