/**
 * Loads the browser build (dist/browser/index.js) in Deno and Bun, where they are installed, and
 * uploads a 21 MB Blob (a chunked session, SHA-1 in the worker) and a 1 MB one (direct) to the
 * local Box server, checking the SHA-1s the server committed. Not part of `npm test` (CI has
 * neither runtime); run by hand:
 *
 *   DENO=/path/to/deno BUN=/path/to/bun npx ts-node -T contract-tests/browser/runtimes.ts
 *
 * (each defaults to `deno` / `bun` on PATH; a runtime that is missing is reported as not tried).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DEFAULT_TOKEN, LocalBoxServer } from "../support/localBox/server";
import { ROOT } from "../support/paths";
import { seededBytes } from "../support/browser/chromium";

const SCRIPT = `
const env = (k) => (globalThis.Deno ? Deno.env.get(k) : process.env[k]);
const { BoxUploadClient, VERSION } = await import(env("BUNDLE_URL"));
function seeded(seed, size) {
  const out = new Uint8Array(size), words = new Uint32Array(out.buffer, 0, size >>> 2);
  let x = seed >>> 0 || 1;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; return (x >>>= 0); };
  for (let i = 0; i < words.length; i++) words[i] = next();
  for (let i = words.length * 4; i < size; i++) out[i] = next() & 0xff;
  return out;
}
const client = new BoxUploadClient({ token: env("TOKEN"), baseUrl: env("BASE_URL"), apiBaseUrl: env("API_BASE_URL") });
const out = { version: VERSION };
for (const [name, size, seed] of [["chunked", 21_000_000, 11], ["direct", 1_000_000, 12]]) {
  const file = await client.uploadNewFile("0", env("PREFIX") + name, new Blob([seeded(seed, size)]));
  out[name] = file.sha1;
}
await client.close();
console.log(JSON.stringify(out));
`;

async function main(): Promise<void> {
  const server = new LocalBoxServer();
  await server.start();
  const dir = mkdtempSync(join(tmpdir(), "box-runtimes-"));
  const script = join(dir, "try.mjs");
  writeFileSync(script, SCRIPT);
  const sha1 = (b: Uint8Array) => createHash("sha1").update(b).digest("hex");
  const expected = { chunked: sha1(seededBytes(11, 21_000_000)), direct: sha1(seededBytes(12, 1_000_000)) };
  const bundle = join(ROOT, "dist", "browser", "index.js");
  const runtimes: [string, string, string[]][] = [
    ["deno", process.env.DENO ?? "deno", ["run", `--allow-net=127.0.0.1`, `--allow-read=${bundle}`, "--allow-env", script]],
    ["bun", process.env.BUN ?? "bun", ["run", script]],
  ];
  try {
    for (const [name, bin, args] of runtimes) {
      let version: string;
      try {
        version = (await promisify(execFile)(bin, ["--version"], { encoding: "utf8" })).stdout.trim().split("\n")[0]!;
      } catch {
        console.log(`${name}: not tried (not installed here)`);
        continue;
      }
      const env = { ...process.env, BUNDLE_URL: `file://${bundle}`, TOKEN: DEFAULT_TOKEN, BASE_URL: server.baseUrl, API_BASE_URL: server.apiBaseUrl, PREFIX: `${name}-` };
      try {
        const { stdout } = await promisify(execFile)(bin, args, { env, encoding: "utf8", timeout: 120_000 });
        const got = JSON.parse(stdout.trim().split("\n").pop()!) as { chunked: string; direct: string };
        const ok = got.chunked === expected.chunked && got.direct === expected.direct;
        console.log(`${name} (${version}): ${ok ? "loaded the ESM build; 21 MB chunked and 1 MB direct uploads committed with the right SHA-1" : `WRONG SHA-1 ${JSON.stringify(got)}`}`);
      } catch (err) {
        console.log(`${name} (${version}): failed: ${String((err as { stderr?: string }).stderr || err).slice(0, 600)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
