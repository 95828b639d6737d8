#!/usr/bin/env node
/**
 * `npm test`: brings what the tests need from the system, then runs every test (jest, with its
 * results in .jest-results.json; arguments after `--` go to jest). The tests need three programs
 * from Debian: chromium (the browser tests), tmux (the CLI in an 80-column terminal) and
 * redis-server (the queue of a sync spread over many hosts). Missing ones are installed with
 * apt-get when that can be done here (root, apt-get present, BOX_TEST_NO_INSTALL unset); otherwise
 * a plain message names the packages, before any test runs. .ci/run calls this same command.
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const NEEDS = [
  { command: "chromium", pkg: "chromium", why: "the browser tests" },
  { command: "tmux", pkg: "tmux", why: "the terminal test" },
  { command: "redis-server", pkg: "redis-server", why: "the queue tests" },
];

const found = (command) => spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
const missing = NEEDS.filter((n) => !found(n.command));

if (missing.length) {
  const pkgs = missing.map((n) => n.pkg);
  const canInstall = process.getuid?.() === 0 && found("apt-get") && !process.env.BOX_TEST_NO_INSTALL;
  if (canInstall) {
    console.error(`installing ${pkgs.join(", ")} for ${missing.map((n) => n.why).join(", ")} (apt-get)`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const ok =
      spawnSync("apt-get", ["update", "-q"], { stdio: ["ignore", "ignore", "inherit"], env }).status === 0 &&
      spawnSync("apt-get", ["install", "-y", "-q", ...pkgs], { stdio: ["ignore", "ignore", "inherit"], env }).status === 0;
    if (!ok || missing.some((n) => !found(n.command))) {
      console.error(`could not install ${pkgs.join(", ")}; install them with: apt-get install ${pkgs.join(" ")}`);
      process.exit(1);
    }
  } else {
    console.error(`the tests need Debian's ${pkgs.map((p) => `"${p}"`).join(", ")} package${pkgs.length > 1 ? "s" : ""} (for ${missing.map((n) => n.why).join(", ")}).`);
    console.error(`install them first: sudo apt-get install ${pkgs.join(" ")}`);
    process.exit(1);
  }
}

const jest = join(ROOT, "node_modules", "jest", "bin", "jest.js");
const run = spawnSync(process.execPath, [jest, "--json", "--outputFile=.jest-results.json", ...process.argv.slice(2)], { cwd: ROOT, stdio: "inherit" });
process.exit(run.status ?? 1);
