/** Shared by the measuring scripts: test files, the server process, and one-line JSON children. */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { open } from "node:fs/promises";
import { createInterface } from "node:readline";

const SLICE = 16 * 1024 * 1024;

/** Writes `size` random bytes to `path` and returns their SHA-1, holding one 16 MiB slice at a time. */
export async function makeFile(path: string, size: number): Promise<string> {
  const hash = createHash("sha1");
  const handle = await open(path, "w");
  try {
    for (let written = 0; written < size; ) {
      const chunk = randomBytes(Math.min(SLICE, size - written));
      hash.update(chunk);
      await handle.write(chunk, 0, chunk.byteLength, written);
      written += chunk.byteLength;
    }
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}

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
