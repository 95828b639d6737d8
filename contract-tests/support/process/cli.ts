/**
 * Runs the built CLI (dist/src/cli/main.js) as a user would: with only PATH and the variables
 * given, capturing stdout, stderr, exit code, signal and duration. `child` is there to signal it;
 * one still running at closeAll() is killed.
 */
import { CLI } from "../paths";
import { spawnNode, type NodeChild } from "./child";

export type CliRun = Omit<NodeChild, "firstLine">;

/** `timeoutMs`: killed (SIGKILL) if it runs longer, reported as `timedOut`. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, { timeoutMs }: { timeoutMs?: number } = {}): CliRun {
  const { child, done } = spawnNode([CLI, ...args], { env, cleanEnv: true, cleanupSignal: "SIGKILL", ...(timeoutMs === undefined ? {} : { timeoutMs }) });
  return { child, done };
}
