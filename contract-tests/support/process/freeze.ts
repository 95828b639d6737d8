/**
 * Holding a child process still (SIGSTOP) to look at what it has left on disk before it is
 * killed, so a kill lands at a moment the test chose rather than wherever the child happens to be.
 */
import type { ChildProcess } from "node:child_process";
import { execFile } from "node:child_process";
import { readFile, readdir } from "node:fs/promises";

/** The one-letter state of each thread of `pid` (Linux /proc); undefined where /proc is not there. */
async function threadStates(pid: number): Promise<string[] | undefined> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => undefined);
  if (!tasks) return undefined;
  const states = await Promise.all(
    // "tid (comm) S ...": comm may hold spaces or parentheses, so the state follows the last ")".
    tasks.map((tid) => readFile(`/proc/${pid}/task/${tid}/stat`, "utf8").then((s) => s.slice(s.lastIndexOf(")") + 2, s.lastIndexOf(")") + 3), () => "X")),
  );
  return states;
}

/** The process's state as `ps` reports it (macOS and others without /proc). */
function psState(pid: number): Promise<string> {
  return new Promise((resolve) => execFile("ps", ["-o", "stat=", "-p", String(pid)], (err, out) => resolve(err ? "X" : out.trim().charAt(0))));
}

/**
 * Sends SIGSTOP and resolves once every thread of the child has stopped (or it has exited): a
 * thread inside a system call (an open, an fsync) finishes it first, so only then does what is on
 * disk stay as it is until SIGCONT or SIGKILL.
 */
export async function freeze(child: ChildProcess, ms = 5000): Promise<void> {
  const pid = child.pid!;
  child.kill("SIGSTOP");
  const end = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const states = (await threadStates(pid)) ?? [await psState(pid)];
    if (states.every((s) => s === "T" || s === "t" || s === "Z" || s === "X")) return;
    if (Date.now() > end) throw new Error(`process ${pid} did not stop within ${ms} ms (thread states ${states.join("")})`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets a frozen child run on. */
export function thaw(child: ChildProcess): void {
  child.kill("SIGCONT");
}
