/**
 * Node child processes for tests and benches, started one way: output captured, exit code,
 * signal and duration reported, killable, killed after a timeout, and stopped by cleanup
 * (closeAll in a test, a signal to a bench) if still running then.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { registerCleanup } from "./cleanup";

export interface NodeChildOptions {
  /** Added to this process's environment; with `cleanEnv`, the child's whole environment besides PATH. */
  env?: NodeJS.ProcessEnv;
  /** Start the child with only PATH and `env`, as a user's shell would with nothing else set. */
  cleanEnv?: boolean;
  /** Flags for node itself, before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** "inherit" passes the child's stderr through (a bench's progress); by default it is captured. */
  stderr?: "pipe" | "inherit";
  /** Killed with SIGKILL after this long (default: no limit). */
  timeoutMs?: number;
  /** The signal cleanup stops a still-running child with (default SIGTERM, so it can stop what it started). */
  cleanupSignal?: NodeJS.Signals;
}

export interface NodeChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From start to exit. */
  ms: number;
  /** Killed because `timeoutMs` ran out. */
  timedOut: boolean;
}

export interface NodeChild {
  child: ChildProcess;
  /** Its first line on stdout; rejects if it exits without one. */
  firstLine: Promise<string>;
  /** Resolves when it has exited and its output is closed. */
  done: Promise<NodeChildResult>;
}

/** Runs `node [nodeArgs] ...argv`. */
export function spawnNode(argv: string[], options: NodeChildOptions = {}): NodeChild {
  const started = Date.now();
  const env = options.cleanEnv ? { PATH: process.env.PATH ?? "", ...options.env } : { ...process.env, ...options.env };
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...argv], { env, stdio: ["ignore", "pipe", options.stderr ?? "pipe"] });
  let stdout = "";
  let stderr = "";
  let timedOut = false;
  let gotLine: (line: string) => void = () => undefined;
  const firstLine = new Promise<string>((resolve) => (gotLine = resolve));
  child.stdout!.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
    const end = stdout.indexOf("\n");
    if (end >= 0) gotLine(stdout.slice(0, end));
  });
  child.stderr?.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), child.kill("SIGKILL")), options.timeoutMs);
  const unregister = registerCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(options.cleanupSignal ?? "SIGTERM");
    await done;
  });
  const done = new Promise<NodeChildResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      unregister();
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, timedOut });
    });
  });
  const noLine = done.then((r) => Promise.reject(new Error(`${argv[0]} exited with ${r.code ?? r.signal} before printing a line${r.stderr ? `: ${r.stderr.trim().slice(0, 500)}` : ""}`)));
  const first = Promise.race([firstLine, noLine]);
  // Most callers never ask for the first line: its rejection must not count as unhandled.
  first.catch(() => undefined);
  return { child, firstLine: first, done };
}
