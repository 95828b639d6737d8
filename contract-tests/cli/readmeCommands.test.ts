/**
 * The README's commands as a newcomer runs them: `npm run demo` (its help, and its folder example
 * with a HOME of the test's own, which must stay empty: resume state goes into the demo's
 * temporary folder), `npm run local-box` (its environment lines work as printed), and `npm test`
 * on a machine that lacks the Debian packages the tests need.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../support/paths";

const demo = (args: string[], env: NodeJS.ProcessEnv) =>
  spawnSync(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), join(ROOT, "scripts", "demo.ts"), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    encoding: "utf8",
    timeout: 120_000,
  });

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "demo-home-"));
});
afterAll(() => rm(home, { recursive: true, force: true }));

test("--help says what it does and exits 0; an unknown option exits 2 with the usage", () => {
  const help = demo(["--help"], { HOME: home });
  expect(help.status).toBe(0);
  expect(help.stdout).toMatch(/^npm run demo -- \[--size BYTES\]/);
  const bad = demo(["--bogus"], { HOME: home });
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain("Unknown option '--bogus'");
  expect(bad.stderr).toContain("npm run demo --");
});

test("--folder puts a tree in, finds it all in place the second time, and writes nothing outside its temporary folder", async () => {
  const r = demo(["--folder", "--unshaped"], { HOME: home });
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/every SHA-1 matches/);
  expect(await readdir(home)).toEqual([]);
}, 120_000);

test("`npm run local-box`: the local Box server alone, and the environment lines it prints work as they are", async () => {
  const { spawn } = await import("node:child_process");
  const { writeFile } = await import("node:fs/promises");
  const { runCli } = await import("../support/process/cli");
  const child = spawn(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), join(ROOT, "scripts", "local-server.ts"), "--env"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH },
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    for (const end = Date.now() + 30_000; !out.includes("BOX_ACCESS_TOKEN="); ) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`no environment lines: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const env = Object.fromEntries([...out.matchAll(/^export (\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(Object.keys(env).sort()).toEqual(["BOX_ACCESS_TOKEN", "BOX_API_BASE_URL", "BOX_UPLOAD_BASE_URL"]);
    const path = join(home, "hello.txt");
    await writeFile(path, "hello, Box\n");
    const r = await runCli(["new", "0", path], { ...env, HOME: home }).done;
    await rm(path);
    // Progress only: nothing went wrong, nothing was retried.
    expect(r.stderr.trim().split("\n").every((l) => /^[\d.]+% sent /.test(l))).toBe(true);
    expect(r.stderr).toMatch(/100\.0% sent 0\.0\/0\.0 MB [\d.]+ MB\/s eta 0s\n$/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^uploaded hello\.txt \(11 bytes\) as file \d+/);
    // Like Box, it offers the upload plan: a new version of a chunked file is planned, and unchanged parts are not sent.
    const fileId = /box-upload version (\d+) FILE/.exec(out)![1]!;
    const big = join(home, "big.bin");
    const bytes = Buffer.alloc(21_000_000, 7);
    await writeFile(big, bytes);
    const first = await runCli(["version", fileId, big, "--json"], { ...env, HOME: home }).done;
    expect(JSON.parse(first.stdout)).toMatchObject({ plan: "used", size: bytes.length });
    bytes[20_999_999] = 8;
    await writeFile(big, bytes);
    const second = JSON.parse((await runCli(["version", fileId, big, "--json"], { ...env, HOME: home }).done).stdout);
    await rm(big);
    expect(second).toMatchObject({ plan: "used", size: bytes.length });
    expect(second.bytes_planned).toBeGreaterThan(0);
    expect(second.bytes_sent + second.bytes_planned).toBe(bytes.length);
  } finally {
    child.kill("SIGTERM");
  }
}, 90_000);

test("`npm test` on a machine without the packages it needs, where it may not install them: names them and runs no test", async () => {
  const { mkdir, symlink } = await import("node:fs/promises");
  // A PATH with a shell and node only: chromium, tmux and redis-server cannot be found.
  const bin = join(home, "bin");
  await mkdir(bin, { recursive: true });
  await symlink("/bin/sh", join(bin, "sh"));
  await symlink(process.execPath, join(bin, "node"));
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "test.mjs"), "--listTests"], {
    cwd: ROOT,
    env: { PATH: bin, HOME: home, BOX_TEST_NO_INSTALL: "1" },
    encoding: "utf8",
  });
  await rm(bin, { recursive: true, force: true });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('the tests need Debian\'s "chromium", "tmux", "redis-server" packages');
  expect(r.stderr).toContain("sudo apt-get install chromium tmux redis-server");
  // jest never started: it would have listed the test files.
  expect(r.stdout).toBe("");
});
