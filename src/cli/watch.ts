/**
 * `box-upload watch <dir> <folder_id>`: a drop folder that flows into Box as files arrive, a
 * service. It catches up at start (a sync), then sends each file once it has stayed unchanged for
 * --settle, with sync's flags. One line per settled file on stderr (as `sync` off a terminal), a
 * status line every minute when idle; --json: one JSON object per settled file on stdout. SIGTERM
 * (or Ctrl-C) stops it cleanly, chunked files keeping their resume state, and exits 0; a second
 * signal exits at once.
 */
import type { Command } from "commander";
import { DEFAULT_SETTLE_MS, TEMPORARY_NAMES, type SyncEvent, type SyncSummary, type WatchStatus } from "../index";
import { withClient } from "./command";
import { EXIT } from "./exitCodes";
import { durationFlag, sharedFlags } from "./flags";
import { printable, type Io } from "./output";
import { createScreen } from "./screen";
import { defaultStateDir, treeFlags, treeOptions, treeQueue, type TreeFlags } from "./sync";
import { eventLine } from "./treeView";
import { fleetAround, redisLine } from "./worker";
import { openOperator } from "./operator";

interface WatchFlags extends TreeFlags {
  settle: number;
  tempFilter: boolean;
}

/** A line for a watcher's status: idle once a minute, a pass that waits, the folder gone and back. */
export function statusLine(s: WatchStatus): string {
  if (s.state === "idle") return `watch: idle; ${s.filesSynced} files sent since start`;
  if (s.state === "retrying") return `watch: ${s.error}; trying again in ${Math.round(s.retryInMs / 1000)} s (${s.pending} waiting)`;
  if (s.state === "folder-gone") return "watch: the watched folder is gone; waiting for it to be back";
  return "watch: the watched folder is back; catching up";
}

/** An event as one JSON object (--json): what a settled file became. */
function eventJson(e: SyncEvent): string {
  return JSON.stringify({ type: e.type, path: e.path, ...(e.from ? { from: e.from } : {}), ...(e.action ? { action: e.action } : {}), ...(e.size !== undefined ? { size: e.size } : {}), ...(e.message ? { message: e.message } : {}) });
}

export function registerWatch(program: Command, io: Io, setCode: (code: number) => void): void {
  treeFlags(sharedFlags(program.command("watch").description("keep a Box folder in step with a local folder as files arrive: each file once it is whole"), "part uploads in flight across the tree"))
    .argument("<local_dir>", "local folder to watch")
    .argument("<folder_id>", "Box folder it goes into (0 is the root)")
    .option("--settle <duration>", `a file is sent once it has not changed for this long (default ${DEFAULT_SETTLE_MS / 1000}s)`, durationFlag, DEFAULT_SETTLE_MS)
    .option("--no-temp-filter", `do not leave out temporary names (${TEMPORARY_NAMES.join(" ")})`)
    .action(async (localDir: string, folderId: string, flags: WatchFlags, cmd: Command) => {
      const queue = treeQueue(io, flags, cmd);
      const screen = createScreen(io.stderr, false);
      const stateDir = flags.resume ? (flags.stateDir ?? defaultStateDir(io.env)) : undefined;
      const say = (line: string) => {
        if (!flags.quiet) screen.say(line);
      };
      // With a queue, settled files become jobs for the workers (this process decides moves and deletions).
      const operator = await openOperator(flags, cmd, false, say);
      const fleet = queue ? fleetAround(queue, undefined, operator.registry) : undefined;
      const close = async () => {
        await fleet?.around.close?.();
        await operator.close();
      };
      const around = { screen, stopView: () => undefined, ...fleet?.around, close, ...(operator.registry ? { metrics: operator.registry } : {}) };
      const code = await withClient(io, flags, around, async ({ client, signal, onRetry }) => {
        // With a queue, --transfers was refused already (a usage error): the workers' is theirs.
        const options = {
          ...treeOptions(io, flags, stateDir, onRetry),
          settleMs: flags.settle,
          ...(flags.tempFilter ? {} : { temporaryNames: [] }),
          onEvent: (e: SyncEvent) => {
            operator.event(e, (text) => client.redact(text));
            if (flags.json) {
              if (e.type !== "notice") io.stdout.write(`${client.redact(eventJson(e))}\n`);
            } else if (!flags.quiet || e.type === "failed") screen.say(client.redact(eventLine(e)));
          },
          onReady: (s: SyncSummary) => say(printable(`watch: caught up (${s.uploaded} uploaded, ${s.versioned} versioned, ${s.skipped} skipped, ${s.moved} moved, ${s.deleted} trashed, ${s.failed} failed); watching ${localDir}`)),
          onStatus: (s: WatchStatus) => say(printable(client.redact(statusLine(s)))),
        };
        let quiet = () => undefined as unknown;
        if (fleet) {
          const f = fleet.fleet();
          quiet = f.onRedis((status) => {
            const line = redisLine(status, f.queue, true);
            if (line) say(line);
          });
        }
        const handle = fleet
          ? await fleet.fleet().watch(client, localDir, folderId, { ...options, ...(flags.redisWait !== undefined ? { redisWaitMs: flags.redisWait * 1000 } : {}) })
          : await client.watchFolder(localDir, folderId, options);
        const stopped = new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
        // Whichever comes first: a signal (a clean stop, exit 0), or the watcher failing beyond what it waits out.
        await Promise.race([stopped, handle.done]);
        await handle.close();
        await handle.done;
        quiet();
        say("watch: stopped; files in flight keep their resume state for the next start");
        return EXIT.ok;
      });
      setCode(code);
    });
}
