/**
 * Node children that answer in JSON on stdout, for tests and benches alike: a server that prints
 * where it listens on its first line and keeps running (`startJsonChild`), a measured client or an
 * upload that prints its result as its last line and exits (`runJsonChild`), and a snippet run in
 * a fresh Node process against the built package (`inPlainNode`). The first two pass the child's
 * stderr through unless told `stderr: "pipe"`.
 */
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { DIST } from "../paths";
import { spawnNode, type NodeChildOptions, type NodeChildResult } from "./child";

/** Starts `node script args` and resolves with the JSON on its first stdout line; the child keeps running. */
export async function startJsonChild<T>(script: string, args: string[], options: NodeChildOptions = {}): Promise<{ value: T; child: ChildProcess }> {
  const { child, firstLine } = spawnNode([script, ...args], { stderr: "inherit", ...options });
  const line = await firstLine;
  try {
    return { value: JSON.parse(line) as T, child };
  } catch {
    child.kill("SIGTERM");
    throw new Error(`${script} printed no JSON on its first line: ${JSON.stringify(line.slice(0, 200))}`);
  }
}

/**
 * Runs `node script args` to its end; resolves with the JSON on its last stdout line and what the
 * run printed. Fails unless it exits 0. A hung child must not hang its caller: it is killed after
 * `timeoutMs` (default 30 minutes).
 */
export async function runJsonChild<T>(script: string, args: string[], options: NodeChildOptions = {}): Promise<NodeChildResult & { value: T }> {
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const run = await spawnNode([script, ...args], { stderr: "inherit", ...options, timeoutMs }).done;
  const what = `${script} ${args.join(" ")}`.trim().slice(0, 300);
  if (run.timedOut) throw new Error(`${what}: no result after ${timeoutMs} ms, killed`);
  if (run.code !== 0) throw new Error(`${what} exited with ${run.code ?? run.signal}${run.stderr ? `: ${run.stderr.trim().slice(0, 1000)}` : ""}`);
  const last = run.stdout.trim().split("\n").pop() ?? "";
  try {
    return { ...run, value: JSON.parse(last) as T };
  } catch {
    throw new Error(`${what} printed no JSON result: ${JSON.stringify(last.slice(0, 200))}`);
  }
}

/** Stops a child started by startJsonChild (SIGTERM, so it can stop what it started) and waits for it. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

/**
 * Runs `body` (plain JS, an async function body with `lib` = the built package and `args`) in a
 * fresh Node process with only PATH and `env`: one realm, as in production, unlike jest's vm
 * context. Resolves with what the body returns (as JSON).
 */
export async function inPlainNode(body: string, args: unknown, env: Record<string, string> = {}): Promise<unknown> {
  const script = `
    const lib = require(${JSON.stringify(join(DIST, "index.js"))});
    const args = JSON.parse(process.env.PLAIN_NODE_ARGS);
    (async () => { ${body} })().then(
      (v) => process.stdout.write(JSON.stringify({ ok: v })),
      (e) => process.stdout.write(JSON.stringify({ failed: String(e && e.stack || e) })),
    );`;
  const run = await spawnNode(["-e", script], { env: { ...env, PLAIN_NODE_ARGS: JSON.stringify(args) }, cleanEnv: true }).done;
  const parsed = JSON.parse(run.stdout || "{}") as { ok?: unknown; failed?: string };
  if (run.code !== 0 || parsed.failed !== undefined) throw new Error(`plain node run failed (${run.code}): ${parsed.failed ?? run.stderr}`);
  return parsed.ok;
}
