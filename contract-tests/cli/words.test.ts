/**
 * What the CLI says matches what it does: a dry run says "would", retries are said at the default
 * verbosity, a taken name names the file that holds it and the command to use instead, a missing
 * path says it does not exist, progress on a pipe never passes 100%, and --help shows no empty
 * defaults.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHarness, type Harness } from "../support/harness";
import { DEFAULT_TOKEN } from "../support/localBox/server";
import { runCli } from "../support/process/cli";
import { bytesOf } from "../support/random";
import { writeTree } from "../support/tree";

let h: Harness;
let dir: string;
let env: Record<string, string>;
let hosts: string[];
beforeAll(async () => {
  h = await startHarness({}, { uploadDefaults: {} });
  dir = await mkdtemp(join(tmpdir(), "cli-words-"));
  env = { BOX_ACCESS_TOKEN: DEFAULT_TOKEN, HOME: dir };
  hosts = ["--base-url", h.client.baseUrl, "--api-base-url", h.client.apiBaseUrl];
});
afterAll(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});

test("sync --dry-run says what it would upload and create, and never that it uploaded", async () => {
  const root = join(dir, "dry");
  await writeTree(root, { "d/f1.txt": bytesOf(101, 1), "top.txt": bytesOf(5, 2) });
  const dest = h.server.addFolder("dry-dest");
  const r = await runCli(["sync", root, dest.id, "--dry-run", ...hosts], env).done;
  expect(r.code).toBe(0);
  expect(r.stderr).toContain("would upload d/f1.txt (101 bytes)");
  expect(r.stderr).toContain("would create folder d/");
  expect(r.stderr).not.toMatch(/^uploaded |^folder /m);
  expect(r.stdout).toMatch(/^would sync: 2 uploaded/);
  expect(h.server.list(dest.id)).toEqual([]);
});

test("a name taken in Box: the error names the file that holds it and the version command to use", async () => {
  const dest = h.server.addFolder("taken-dest");
  const existing = h.server.addFile("report.pdf", bytesOf(10, 3), dest.id);
  const path = join(dir, "report.pdf");
  await writeFile(path, bytesOf(20, 4));
  const r = await runCli(["new", dest.id, path, ...hosts], env).done;
  expect(r.code).toBe(3);
  expect(r.stderr).toContain(`taken by file ${existing.id}: use box-upload version ${existing.id} ${path} to upload a new version of it`);
});

test("a local path that does not exist says so, for a file and for a folder to sync", async () => {
  const file = await runCli(["new", "0", join(dir, "nope.bin"), ...hosts], env).done;
  expect(file.code).toBe(5);
  expect(file.stderr).toContain(`${join(dir, "nope.bin")} does not exist`);
  const folder = await runCli(["sync", "nope-dir", "0", ...hosts], { ...env }).done;
  expect(folder.code).toBe(5);
  expect(folder.stderr).toContain("nope-dir does not exist");
});

test("on a pipe, a small direct upload's progress counts the file's bytes only: never past 100%", async () => {
  const path = join(dir, "small.bin");
  await writeFile(path, bytesOf(1_000, 5));
  const r = await runCli(["new", "0", path, ...hosts], env).done;
  expect(r.code).toBe(0);
  const percents = [...r.stderr.matchAll(/^([\d.]+)% sent ([\d.]+)\/([\d.]+) MB/gm)].map((m) => Number(m[1]));
  expect(percents.length).toBeGreaterThan(0);
  for (const p of percents) expect(p).toBeLessThanOrEqual(100);
  expect(r.stderr).toMatch(/^100\.0% sent 0\.0\/0\.0 MB [\d.]+ MB\/s eta 0s$/m);
  // Said once, not once per event that leaves the line as it was.
  expect(r.stderr.split("\n").filter((l) => l.startsWith("100.0%"))).toHaveLength(1);
});

test("an unreachable host: each retry is said on stderr at the default verbosity, then exit 7", async () => {
  const path = join(dir, "unreachable.bin");
  await writeFile(path, bytesOf(10, 6));
  const r = await runCli(["new", "0", path, "--base-url", "http://127.0.0.1:1/api/2.0"], env).done;
  expect(r.code).toBe(7);
  expect(r.stderr).toMatch(/^retrying in \d+ m?s \(2\/6\): ECONNREFUSED/m);
  expect(r.stderr.match(/^retrying in /gm)).toHaveLength(5);
  // --quiet keeps them to itself.
  const quiet = await runCli(["new", "0", path, "--base-url", "http://127.0.0.1:1/api/2.0", "--quiet"], env).done;
  expect(quiet.stderr).not.toContain("retrying");
}, 60_000);

test("--help shows no empty default", async () => {
  const r = await runCli(["sync", "--help"], env).done;
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("--exclude <glob>");
  expect(r.stdout).not.toContain("(default: [])");
});
