/** Shared by the measuring scripts: the server process, and one-line JSON children. */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

/** Runs `node script args...` and resolves with the JSON object on its first stdout line. */
export function startJsonChild<T>(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ value: T; child: ChildProcess }> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => {
      try {
        resolve({ value: JSON.parse(line) as T, child });
      } catch (err) {
        reject(err);
      }
    });
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code} before printing its result`)));
  });
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
