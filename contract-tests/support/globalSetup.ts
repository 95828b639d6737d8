/** Jest's global setup: builds dist/ (the CLI and package tests drive it) and starts the Prism mock the prism tests call. */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./paths";
import { startPrism } from "./prism";

export default async function globalSetup(): Promise<void> {
  // Every server a test talks to is on loopback: a proxy set on the machine must not take that
  // traffic (the network tests set their own proxy variables in child processes).
  for (const name of ["https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]) delete process.env[name];
  // The CLI and package tests drive the built package, so build it once, before any test runs.
  execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { stdio: "ignore" });
  const prism = await startPrism();
  // Test workers are spawned after this and inherit the environment.
  process.env.PRISM_URL = prism.url;
  (globalThis as { __PRISM__?: unknown }).__PRISM__ = prism.process;
}
