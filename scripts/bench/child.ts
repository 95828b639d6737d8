/**
 * Runs one measured client in a process of its own and returns the JSON line it prints, so the
 * CPU time and peak RSS it reports belong to that client alone (not to the bench or the server).
 */
import { spawn } from "node:child_process";
import { registerCleanup } from "./cleanup";

export interface ChildOptions {
  env?: NodeJS.ProcessEnv;
  /** Flags for node itself, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** A hung client must not hang the bench: it is killed after this long. */
  timeoutMs?: number;
}

/** Spawns `node [nodeArgs] script args`, waits for it to exit, and parses its last stdout line. */
export function runJsonChild<T>(script: string, args: string[], options: ChildOptions = {}): Promise<T> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, ...options.env },
  });
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  // SIGTERM, not SIGKILL: a child that started a server of its own gets to stop it.
  const unregister = registerCleanup(() => child.kill("SIGTERM"));
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => (out += text));
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} ${args.join(" ")}: no result after ${timeoutMs} ms, killed`));
    }, timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      unregister();
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0) return reject(new Error(`${script} exited with ${code ?? signal}`));
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${script} printed no JSON result: ${JSON.stringify(last.slice(0, 200))}`));
      }
    });
  });
}
