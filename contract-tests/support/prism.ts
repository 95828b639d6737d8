/** Starts and stops `prism mock` on a free loopback port, from the same fragment the types come from. */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { ROOT, SPEC } from "./paths";

const PRISM = join(ROOT, "node_modules", "@stoplight", "prism-cli", "dist", "index.js");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningPrism {
  url: string;
  process: ChildProcess;
}

export async function startPrism(): Promise<RunningPrism> {
  const port = await freePort();
  const child = spawn(process.execPath, [PRISM, "mock", SPEC, "--errors", "-h", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prism exited early:\n${output}`);
    try {
      await fetch(`${url}/files/upload_sessions/X`, { signal: AbortSignal.timeout(1000) });
      return { url, process: child };
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  child.kill();
  throw new Error(`prism did not start within 30 s:\n${output}`);
}
