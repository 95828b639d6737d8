/** The CLI's pacing: --bwlimit in rclone's syntax (and BOX_BWLIMIT), the rate-limit flags, and what it says on a 429. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseBandwidth, parseRate } from "../../src/cli/pacing";
import { startHarness, type Harness } from "../support/harness";
import { DEFAULT_TOKEN } from "../support/localBox/server";
import { runCli } from "../support/process/cli";
import { bytesOf } from "../support/random";
import { writeTree } from "../support/tree";

const MiB = 1024 * 1024;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cli-pacing-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test("rclone's --bwlimit syntax: K when no unit, B/K/M/G/T, 0 and off for none", () => {
  expect(parseBandwidth("4M")).toBe(4 * MiB);
  expect(parseBandwidth("512k")).toBe(512 * 1024);
  expect(parseBandwidth("100")).toBe(100 * 1024);
  expect(parseBandwidth("1.5G")).toBe(1.5 * 1024 * MiB);
  expect(parseBandwidth("2000B")).toBe(2000);
  expect(parseBandwidth("off")).toBeUndefined();
  expect(parseBandwidth("0")).toBeUndefined();
  for (const bad of ["", "4 M", "-1M", "fast", "4Mi", "1e3"]) expect(() => parseBandwidth(bad)).toThrow();
  expect(parseRate("240")).toBe(240);
  expect(parseRate("off")).toBe("off");
  expect(parseRate("0")).toBe("off");
  expect(() => parseRate("2.5")).toThrow();
});

describe("against the local server", () => {
  let h: Harness;
  let hosts: string[];
  const env = () => ({ BOX_ACCESS_TOKEN: DEFAULT_TOKEN, HOME: dir });
  beforeAll(async () => {
    h = await startHarness({ rateLimits: { uploadsPerMinute: 60, windowMs: 3000 } }, { uploadDefaults: {} });
    hosts = ["--base-url", h.client.baseUrl, "--api-base-url", h.client.apiBaseUrl];
  });
  afterAll(() => h.close());

  test("--bwlimit 1M: a 3 MiB upload takes about 3 s; BOX_BWLIMIT does the same; a bad value is a usage error", async () => {
    const path = join(dir, "three.bin");
    await writeFile(path, bytesOf(3 * MiB, 1));
    for (const [args, extra] of [[["--bwlimit", "1M"], {}], [[], { BOX_BWLIMIT: "1024k" }]] as const) {
      const started = Date.now();
      const r = await runCli(["new", "0", path, "--name", `three-${Object.keys(extra).length}.bin`, "--max-uploads-per-minute", "off", ...args, ...hosts], { ...env(), ...extra }).done;
      const seconds = (Date.now() - started) / 1000;
      expect(r.code).toBe(0);
      expect(seconds).toBeGreaterThanOrEqual(2.4);
      expect(seconds).toBeLessThanOrEqual(3 * 1.25 + 2);
    }
    const bad = await runCli(["new", "0", path, "--bwlimit", "fast", ...hosts], env()).done;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--bwlimit");
    const badEnv = await runCli(["new", "0", path, ...hosts], { ...env(), BOX_BWLIMIT: "fast" }).done;
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toContain("BOX_BWLIMIT");
  }, 60_000);

  test("a sync told a looser limit than the server's: every file in, and the 429 said once, not per transfer", async () => {
    const root = join(dir, "tree");
    const spec: Record<string, Uint8Array> = {};
    for (let i = 0; i < 12; i++) spec[`f${i}.txt`] = bytesOf(100 + i, i);
    await writeTree(root, spec);
    const dest = h.server.addFolder("paced");
    const started = Date.now();
    const r = await runCli(["sync", root, dest.id, "--max-uploads-per-minute", "600", ...hosts], env()).done;
    const seconds = (Date.now() - started) / 1000;
    expect(r.code).toBe(0);
    expect(h.server.filesByPath(dest.id).size).toBe(12);
    expect(h.server.limitStats!.refused.upload).toBeGreaterThan(0);
    const said = r.stderr.split("\n").filter((l) => l.startsWith("Box asks to slow down (429 rate_limit_exceeded)"));
    expect(said.length).toBeGreaterThanOrEqual(1);
    // At most one line per ten seconds, however many transfers met the 429.
    expect(said.length).toBeLessThanOrEqual(Math.ceil(seconds / 10) + 1);
  }, 60_000);
});
