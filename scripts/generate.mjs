// Regenerates generated/ from the fragment, or with --check proves the committed copy is current.
// Both paths run the same openapi-typescript CLI, so the check cannot drift from the generator.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const spec = join(root, "openapi", "box-chunked-uploads.yaml");
const target = join(root, "generated", "box-chunked-uploads.ts");
const cli = join(root, "node_modules", "openapi-typescript", "bin", "cli.js");

function generate(out) {
  execFileSync(process.execPath, [cli, spec, "--output", out], { stdio: ["ignore", "ignore", "inherit"] });
}

if (!process.argv.includes("--check")) {
  generate(target);
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), "generate-check-"));
try {
  const fresh = join(dir, "box-chunked-uploads.ts");
  generate(fresh);
  if (readFileSync(fresh, "utf8") === readFileSync(target, "utf8")) {
    console.log("generated/ matches openapi/: up to date");
  } else {
    spawnSync("diff", ["-u", target, fresh], { stdio: "inherit" });
    console.error("generated/ is stale or was edited by hand: run `npm run generate` and commit the result");
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
