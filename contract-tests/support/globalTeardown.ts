/** Jest's global teardown: stops the Prism mock globalSetup started. */
import type { ChildProcess } from "node:child_process";

export default async function globalTeardown(): Promise<void> {
  const child = (globalThis as { __PRISM__?: ChildProcess }).__PRISM__;
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
}
