/**
 * The packed tarball, installed into a fresh project (offline, from npm's cache), works from an
 * ESM and a CommonJS script, and its `box-upload` bin runs.
 *
 * The install must work with no network and with only what the repository's own `npm ci` left in
 * npm's cache: the dependency tarballs, stored by integrity. `npm install <tarball>` cannot do that,
 * since it asks for the full registry metadata of every dependency, which `npm ci` never caches.
 * So the fresh project gets a package-lock.json naming the tarball and, copied from the
 * repository's lockfile, the exact versions and integrities of its runtime dependencies, and is
 * installed with `npm ci --offline`, which fetches each one by integrity from the cache.
 */
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { DEFAULT_TOKEN, LocalBoxServer } from "../support/localBox/server";
import { ROOT } from "../support/paths";
import { KiB } from "../support/harness";

let dir: string;
let server: LocalBoxServer;
let tarball: string;
const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** One `packages` entry of a package-lock.json (lockfileVersion 3); only the fields read here are named. */
type LockEntry = {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
};

/** The registry npm is configured with, ending in "/" (read from npm, so no host is written here). */
let registryUrl: string | undefined;
const registry = () => (registryUrl ??= npm(["config", "get", "registry"], ROOT).trim().replace(/\/?$/, "/"));

/** "node_modules/a/node_modules/b" -> "node_modules/a"; "node_modules/a" -> "" (the root). */
const parentOf = (path: string) => path.slice(0, Math.max(path.lastIndexOf("/node_modules/"), 0));
/** "node_modules/a/node_modules/@s/b" -> "@s/b". */
const nameAt = (path: string) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);

/**
 * The repository lockfile's entries for everything `dependencies` needs at run time: each runtime
 * dependency and, transitively, theirs, found as Node finds them (nearest node_modules upwards), at
 * the same paths, so the fresh project gets the very tree the repository tested with.
 */
function runtimeEntries(lock: { packages: Record<string, LockEntry> }, dependencies: Record<string, string>): Record<string, LockEntry> {
  const find = (from: string, name: string): string | undefined => {
    for (let at = from; ; at = parentOf(at)) {
      const path = `${at ? `${at}/` : ""}node_modules/${name}`;
      if (lock.packages[path]) return path;
      if (!at) return undefined;
    }
  };
  const out: Record<string, LockEntry> = {};
  const visit = (from: string, name: string, optional: boolean) => {
    const path = find(from, name);
    if (path === undefined) {
      if (optional) return;
      throw new Error(`package-lock.json has no entry for ${name}, needed by ${from || "the package"}`);
    }
    if (out[path]) return;
    const { dev: _dev, devOptional: _devOptional, ...entry } = lock.packages[path]!;
    if (entry.link || !entry.version || !entry.integrity) throw new Error(`${path} in package-lock.json is not a registry package with an integrity`);
    // Lockfiles written with omit-lockfile-registry-resolved have no `resolved`; without one, npm ci
    // would ask the registry (or its metadata cache) where the tarball is. The configured
    // registry's usual tarball URL will do: npm takes the tarball from the cache by its integrity.
    entry.resolved ??= `${registry()}${nameAt(path)}/-/${nameAt(path).split("/").pop()}-${entry.version}.tgz`;
    out[path] = entry;
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(path, dep, false);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(path, dep, true);
    for (const dep of Object.keys(entry.peerDependencies ?? {})) visit(path, dep, entry.peerDependenciesMeta?.[dep]?.optional === true);
  };
  for (const dep of Object.keys(dependencies)) visit("", dep, false);
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "pack-"));
  server = new LocalBoxServer({ minFileSize: 1, partSizeFor: () => 256 * KiB });
  await server.start();
  // dist/ was built by the global setup; --ignore-scripts keeps prepack from rebuilding it under other tests.
  const packed = JSON.parse(npm(["pack", "--ignore-scripts", "--json", "--pack-destination", dir], ROOT));
  tarball = join(dir, packed[0].filename);
  const project = join(dir, "app");
  await mkdir(project);
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8"));
  const spec = `file:${relative(project, tarball)}`;
  const app = { name: "app", version: "1.0.0", private: true, dependencies: { [pkg.name]: spec } };
  await writeFile(join(project, "package.json"), JSON.stringify(app, null, 2));
  const packages = {
    "": { name: app.name, version: app.version, dependencies: app.dependencies },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: spec,
      integrity: packed[0].integrity,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
    ...runtimeEntries(lock, pkg.dependencies ?? {}),
  };
  await writeFile(join(project, "package-lock.json"), JSON.stringify({ name: app.name, version: app.version, lockfileVersion: 3, requires: true, packages }, null, 2));
  npm(["ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], project);
}, 120_000);
afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

test("the tarball holds the built code, types and fragment, and no tests or sources of the tooling", () => {
  const files = (JSON.parse(npm(["pack", "--ignore-scripts", "--dry-run", "--json"], ROOT))[0].files as { path: string }[]).map((f) => f.path);
  // The bin's file is named by package.json, which follows wherever the CLI's source lives.
  const bin = (require("../../package.json").bin["box-upload"] as string).replace(/^\.\//, "");
  expect(files).toEqual(expect.arrayContaining(["dist/src/index.js", "dist/src/index.mjs", "dist/src/index.d.ts", bin, "openapi/box-chunked-uploads.yaml", "README.md", "package.json"]));
  expect(files.filter((f) => /contract-tests|scripts\/|\.ts$/.test(f) && !f.endsWith(".d.ts"))).toEqual([]);
  // The snapshot of Box's description under openapi/reference/ is for spec:diff, not for users.
  expect(files.filter((f) => f.startsWith("openapi/"))).toEqual(["openapi/box-chunked-uploads.yaml"]);
});

const script = (importLine: string) => `${importLine}
const data = Buffer.alloc(700 * 1024, 7);
const client = new BoxUploadClient({ token: process.env.TOKEN, baseUrl: process.env.BASE_URL, apiBaseUrl: process.env.API_BASE_URL });
client.uploadNewFile("0", process.env.NAME, data).then(async (file) => {
  console.log(JSON.stringify({ sha1: file.sha1, chunkedMin: CHUNKED_MIN_SIZE, rawApi: typeof client.api.getFile, isError: new BoxInputError("a", "b") instanceof TypeError }));
  await client.close();
});
`;

test.each([
  ["esm.mjs", 'import { BoxUploadClient, BoxInputError, CHUNKED_MIN_SIZE } from "box-chunked-upload";'],
  ["cjs.cjs", 'const { BoxUploadClient, BoxInputError, CHUNKED_MIN_SIZE } = require("box-chunked-upload");'],
])("%s imports the package and uploads a file", async (name, importLine) => {
  const project = join(dir, "app");
  await writeFile(join(project, name), script(importLine));
  // Asynchronous: the server answering the upload runs in this very process.
  const { stdout: out } = await promisify(execFile)(process.execPath, [name], {
    cwd: project,
    encoding: "utf8",
    env: { ...process.env, TOKEN: DEFAULT_TOKEN, BASE_URL: server.baseUrl, API_BASE_URL: server.apiBaseUrl, NAME: `from-${name}` },
  });
  const expected = require("node:crypto").createHash("sha1").update(Buffer.alloc(700 * 1024, 7)).digest("hex");
  expect(JSON.parse(out)).toEqual({ sha1: expected, chunkedMin: 20_000_000, rawApi: "function", isError: true });
  expect([...server.files.values()].find((f) => f.name === `from-${name}`)!.versions[0]!.sha1).toBe(expected);
});

test("the installed bin answers --version with the package version", async () => {
  const project = join(dir, "app");
  expect(await readdir(join(project, "node_modules", ".bin"))).toContain("box-upload");
  const out = execFileSync(join(project, "node_modules", ".bin", "box-upload"), ["--version"], { encoding: "utf8" });
  expect(out.trim()).toBe(require("../../package.json").version);
});

test("the browser condition resolves to one ESM bundle with the Node entry's names and no Node module in its graph", async () => {
  const project = join(dir, "app");
  const run = (args: string[]) => execFileSync(process.execPath, args, { cwd: project, encoding: "utf8" }).trim();
  const list = 'import("box-chunked-upload").then((m) => console.log(Object.keys(m).sort().join(",")))';
  const browserNames = run(["--conditions=browser", "--input-type=module", "-e", list]).split(",");
  const nodeNames = run(["--input-type=module", "-e", list]).split(",");
  expect(browserNames.filter((n) => !nodeNames.includes(n))).toEqual([]);
  // Folder sync and the watcher walk and watch folders on disk, and a fleet's queue is in Redis: Node only. Every other name is in both entries.
  expect(nodeNames.filter((n) => !browserNames.includes(n) && !/TRANSFERS|CHECKERS|SETTLE|TEMPORARY|sync|fleet|MAX_QUEUED|STALL_TIMEOUT|REDIS/i.test(n))).toEqual([]);
  expect(browserNames).toEqual(expect.arrayContaining(["BoxUploadClient", "BoxUploadError", "BoxApiError", "VERSION"]));
  expect(run(["--conditions=browser", "-p", 'require.resolve("box-chunked-upload")'])).toMatch(/dist[\\/]browser[\\/]index\.js$/);
  const installed = join(project, "node_modules", "box-chunked-upload", "dist", "browser");
  // The bundler's own list of every module in the graph (written by scripts/build.mjs), and the output itself.
  const graph = JSON.parse(readFileSync(join(installed, "graph.json"), "utf8")) as { inputs: string[] };
  expect(graph.inputs).toEqual(expect.arrayContaining(["src/browser.ts", "src/platform/browser/transport.ts"]));
  expect(graph.inputs.filter((m) => m.startsWith("node:") || m.includes("platform/node/"))).toEqual([]);
  for (const file of ["index.js", "sha1Worker.js"]) {
    const code = readFileSync(join(installed, file), "utf8");
    expect(code.match(/\bfrom\s*["']node:|\bimport\(\s*["']node:|\brequire\(/g)).toBeNull();
  }
});
