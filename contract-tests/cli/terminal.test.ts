/**
 * The CLI in a real terminal: tmux gives it a pseudo-terminal of 80 columns, a key press sends
 * Ctrl-C mid-upload, and the test reads the screen as a user would see it. The words after the
 * interrupt (where the state is, how to continue) must stand on lines of their own, nothing may
 * wrap or be drawn over, the exit code is 4, and the rerun's first line counts the parts Box holds
 * for the session.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "../support/checks/timing";
import { DEFAULT_TOKEN, LocalBoxServer } from "../support/localBox/server";
import { CLI } from "../support/paths";
import { writeRandomFile } from "../support/random";

const SESSION = "cli";
// A tmux server of the test's own (its own socket), so no user session is touched or relied on.
const SOCKET = `box-upload-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync("tmux", ["-L", SOCKET, ...args], { encoding: "utf8", env: { ...process.env, TERM: "xterm-256color" } });
/** The screen as shown, each wrapped line joined back (-J), so a line longer than 80 columns shows as one. */
const screen = () => tmux("capture-pane", "-p", "-J", "-t", SESSION);
/** Polls the screen at a human pace (a capture is a process of its own). */
async function seen(what: RegExp | string, ms: number, label: string): Promise<void> {
  for (const end = Date.now() + ms; !(typeof what === "string" ? screen().includes(what) : what.test(screen())); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${label}; the screen:\n${screen()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let server: LocalBoxServer;
let dir: string;
let slow = true;
beforeAll(async () => {
  // Each part waits 2 s while `slow`: time to see the bar and to press Ctrl-C mid-upload.
  server = new LocalBoxServer({
    before: async (ctx) => {
      if (slow && ctx.route === "uploadPart") await new Promise((r) => setTimeout(r, 2000));
      return undefined;
    },
  });
  await server.start();
  dir = await mkdtemp(join(tmpdir(), "cli-tty-"));
});
afterAll(async () => {
  try {
    tmux("kill-server");
  } catch {
    /* already gone */
  }
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

test("Ctrl-C mid-upload at 80 columns: the state and the way to continue on lines of their own, exit 4; the rerun says what Box holds", async () => {
  await writeRandomFile(join(dir, "big.bin"), 32 * 1024 * 1024);
  const file = server.addFile("big.bin");
  const run = `${process.execPath} ${CLI} version ${file.id} big.bin --resume s.json --concurrency 2`;
  // An interactive shell, as a user has: the command runs in its own process group, so Ctrl-C
  // reaches it and not the shell, which then says the exit code.
  tmux("new-session", "-d", "-s", SESSION, "-x", "80", "-y", "30", "bash", "--norc", "--noprofile", "-i");
  const type = (line: string) => {
    tmux("send-keys", "-t", SESSION, "-l", line);
    tmux("send-keys", "-t", SESSION, "Enter");
  };
  type(`cd ${dir} && export BOX_ACCESS_TOKEN=${DEFAULT_TOKEN} BOX_UPLOAD_BASE_URL=${server.baseUrl} PS1='$ ' && clear`);
  type(`${run}; echo "EXIT1=$?"`);

  // The bar is up and two parts are stored: press Ctrl-C.
  await seen(/\[[#-]{16}\]/, 15_000, "the progress bar");
  await until(() => [...server.sessions.values()].some((s) => s.parts.size >= 2), 15_000, "two stored parts");
  tmux("send-keys", "-t", SESSION, "C-c");
  await seen(/^EXIT1=\d+$/m, 15_000, "the first run to end");
  slow = false;
  const stored = [...server.sessions.values()][0]!.parts.size;

  const first = screen().split("\n");
  // Nothing the CLI wrote wrapped: every line, joined back, fits the 80 columns (what was typed at the prompt may be longer).
  const written = (lines: string[]) => lines.filter((l) => !l.startsWith("$ "));
  expect(written(first).filter((l) => l.length > 80)).toEqual([]);
  expect(first).toContain("EXIT1=4");
  expect(first).toContain("interrupted: the upload's state is kept in s.json");
  expect(first).toContain("to continue, run the same command again:");
  expect(first).toContain(`  box-upload version ${file.id} big.bin --resume s.json --concurrency 2`);
  // The error starts a line of its own: not drawn after the bar, nor after the terminal's ^C.
  expect(first.find((l) => l.includes("AbortError"))).toMatch(/^box-upload: AbortError: upload aborted/);
  expect(first.join("\n")).not.toMatch(/\^C\S/);

  type("clear");
  type(`${run}; echo "EXIT2=$?"`);
  await seen(/^EXIT2=\d+$/m, 30_000, "the rerun to end");
  const rerun = screen().split("\n");
  expect(rerun).toContain(`resuming session ${[...server.sessions.keys()][0]}: ${stored}/4 parts already in Box`);
  expect(rerun).toContain("EXIT2=0");
  const done = rerun.join("\n");
  expect(done).toMatch(/^uploaded big\.bin \(33554432 bytes\) as file \d+ in [\d.]+ s$/m);
  // Our own units and time left: what this run sent and what Box held, "eta 12s", never a bar library's bare numbers.
  expect(done).toMatch(/sent [\d.]+ \+ held [\d.]+ of [\d.]+ MB [\d.]+ MB\/s eta (-|\d+s)/);
  expect(written(rerun).filter((l) => l.length > 80)).toEqual([]);
}, 90_000);
