/**
 * Compares our OpenAPI fragment with a copy of Box's official description and lists what differs
 * for the operations the client uses (chunked and direct uploads, preflight check, file
 * information, token endpoint, listing a folder's items and creating a folder) and any new upload
 * operation of Box's (see specDiff/operations.ts
 * for the scope). Exits 1 when a difference is not documented in the fragment (x-deviation), 2 on
 * bad usage or unreadable input, 0 otherwise.
 *
 *   npm run spec:diff -- [<official-openapi.json>] [--fragment openapi/box-chunked-uploads.yaml]
 *
 * Without a path it compares with the unmodified snapshot of Box's description kept in the
 * repository, openapi/reference/box-openapi.json (see openapi/reference/SOURCE.md).
 *
 * The work is done by diffSpecs() in specDiff/diff.ts; this file only parses arguments and prints.
 */
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { diffSpecs } from "./specDiff/diff";
import { loadDocument } from "./specDiff/load";
import { formatReport } from "./specDiff/report";

const DEFAULT_FRAGMENT = join(__dirname, "..", "openapi", "box-chunked-uploads.yaml");
const DEFAULT_OFFICIAL = join(__dirname, "..", "openapi", "reference", "box-openapi.json");
const USAGE =
  "usage: npm run spec:diff -- [<official-openapi.json>] [--fragment <fragment.yaml>]\n" +
  "  (without a path, the official description is openapi/reference/box-openapi.json)";

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { fragment: { type: "string" }, help: { type: "boolean", short: "h" } } });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  const [officialPath = DEFAULT_OFFICIAL, ...extra] = parsed.positionals;
  if (extra.length > 0) {
    console.error(USAGE);
    return 2;
  }
  const fragmentPath = parsed.values.fragment ?? DEFAULT_FRAGMENT;
  const [fragment, official] = await Promise.all([loadDocument(fragmentPath), loadDocument(officialPath)]);
  console.log(`spec:diff: ${relative(process.cwd(), fragmentPath)} vs ${parsed.positionals[0] ?? relative(process.cwd(), officialPath)}\n`);
  const differences = diffSpecs(fragment, official);
  console.log(formatReport(differences));
  return differences.some((d) => !d.documented) ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    process.exitCode = 2;
  },
);
