/**
 * The packed tarball, installed into a fresh project (offline, from npm's cache), works from an
 * ESM and a CommonJS script, and its `box-upload` bin runs.
 */
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_TOKEN, LocalBoxServer } from "../../scripts/tooling/localBoxServer";
import { ROOT } from "../../scripts/tooling/paths";
import { KiB } from "../../scripts/tooling/harness";

let dir: string;
let server: LocalBoxServer;
let tarball: string;
const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "pack-"));
  server = new LocalBoxServer({ minFileSize: 1, partSizeFor: () => 256 * KiB });
  await server.start();
  // dist/ was built by the global setup; --ignore-scripts keeps prepack from rebuilding it under other tests.
  const packed = JSON.parse(npm(["pack", "--ignore-scripts", "--json", "--pack-destination", dir], ROOT));
  tarball = join(dir, packed[0].filename);
  const project = join(dir, "app");
  execFileSync("mkdir", ["-p", project]);
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true }));
  npm(["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball], project);
}, 120_000);
afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

test("the tarball holds the built code, types and fragment, and no tests or sources of the tooling", () => {
  const files = (JSON.parse(npm(["pack", "--ignore-scripts", "--dry-run", "--json"], ROOT))[0].files as { path: string }[]).map((f) => f.path);
  expect(files).toEqual(expect.arrayContaining(["dist/src/index.js", "dist/src/index.mjs", "dist/src/index.d.ts", "dist/src/cli.js", "openapi/box-chunked-uploads.yaml", "README.md", "package.json"]));
  expect(files.filter((f) => /contract-tests|scripts\/|\.ts$/.test(f) && !f.endsWith(".d.ts"))).toEqual([]);
});

const script = (importLine: string) => `${importLine}
const data = Buffer.alloc(700 * 1024, 7);
const client = new BoxUploadClient({ token: process.env.TOKEN, baseUrl: process.env.BASE_URL });
client.uploadNewFile("0", process.env.NAME, data).then(async (file) => {
  console.log(JSON.stringify({ sha1: file.sha1, parts: planParts(data.length, 256 * 1024).length, isError: new BoxInputError("a", "b") instanceof TypeError }));
  await client.close();
});
`;

test.each([
  ["esm.mjs", 'import { BoxUploadClient, BoxInputError, planParts } from "box-chunked-upload";'],
  ["cjs.cjs", 'const { BoxUploadClient, BoxInputError, planParts } = require("box-chunked-upload");'],
])("%s imports the package and uploads a file", async (name, importLine) => {
  const project = join(dir, "app");
  await writeFile(join(project, name), script(importLine));
  // Asynchronous: the server answering the upload runs in this very process.
  const { stdout: out } = await promisify(execFile)(process.execPath, [name], {
    cwd: project,
    encoding: "utf8",
    env: { ...process.env, TOKEN: DEFAULT_TOKEN, BASE_URL: server.baseUrl, NAME: `from-${name}` },
  });
  const expected = require("node:crypto").createHash("sha1").update(Buffer.alloc(700 * 1024, 7)).digest("hex");
  expect(JSON.parse(out)).toEqual({ sha1: expected, parts: 3, isError: true });
  expect([...server.files.values()].find((f) => f.name === `from-${name}`)!.versions[0]!.sha1).toBe(expected);
});

test("the installed bin answers --version with the package version", async () => {
  const project = join(dir, "app");
  expect(await readdir(join(project, "node_modules", ".bin"))).toContain("box-upload");
  const out = execFileSync(join(project, "node_modules", ".bin", "box-upload"), ["--version"], { encoding: "utf8" });
  expect(out.trim()).toBe(require("../../package.json").version);
});
