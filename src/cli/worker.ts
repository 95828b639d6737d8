/**
 * `box-upload worker --queue redis://...`: one member of a fleet. It takes file jobs that a
 * `box-upload sync ... --queue` producer put in the queue and runs them as a local sync would,
 * with its own --transfers and --concurrency, pacing every request through the fleet's pacer in
 * Redis. One line per file on stderr. SIGTERM (or Ctrl-C) hands back what it holds and exits 0;
 * a second signal exits at once. Also the queue pieces `sync --queue` shares with it.
 */
import { type Command, InvalidArgumentError } from "commander";
import {
  BOX_API_BASE_URL,
  BOX_UPLOAD_BASE_URL,
  createFleet,
  DEFAULT_CONCURRENCY,
  DEFAULT_STALL_TIMEOUT_MS,
  DEFAULT_TRANSFERS,
  MAX_CONCURRENCY,
  MAX_TRANSFERS,
  type Fleet,
} from "../index";
import { EXIT } from "./exitCodes";
import { countFlag, userIdFlag } from "./flags";
import { printable, type Io } from "./output";
import { bandwidthFlag, rateFlag, type PacingFlags } from "./pacing";
import { createScreen } from "./screen";
import { withClient, type Around } from "./command";
import { eventLine } from "./treeView";

export interface QueueFlags {
  queue?: string;
}

interface WorkerFlags extends QueueFlags, PacingFlags {
  asUser?: string;
  baseUrl?: string;
  apiBaseUrl?: string;
  verbose?: boolean;
  quiet?: boolean;
  transfers?: number;
  concurrency?: number;
  stallTimeout?: number;
}

export const QUEUE_HELP = "a Redis URL (env BOX_SYNC_QUEUE): redis://host:port/db, rediss:// for TLS; a password only through the variable";

/** The queue a command uses: the flag, else BOX_SYNC_QUEUE. */
export function queueUrl(io: Io, flags: QueueFlags): string | undefined {
  return flags.queue ?? (io.env.BOX_SYNC_QUEUE || undefined);
}

/**
 * The fleet a command runs in, as withClient's hooks: made once the pacing flags are read (its
 * pacer then paces the client), closed at the end.
 */
export function fleetAround(url: string, stallTimeoutMs?: number): { around: Pick<Around, "pacer" | "close">; fleet: () => Fleet } {
  let fleet: Fleet | undefined;
  return {
    around: {
      pacer: (pacing) => {
        fleet = createFleet({ redis: url, ...pacing, ...(stallTimeoutMs !== undefined ? { stallTimeoutMs } : {}) });
        return fleet.pacer;
      },
      close: async () => fleet?.close(),
    },
    fleet: () => fleet!,
  };
}

function secondsFlag(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 600) throw new InvalidArgumentError("must be a whole number of seconds from 1 to 600");
  return n;
}

export function registerWorker(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command("worker")
    .description("take file jobs of `sync --queue` runs from a queue in Redis, on as many hosts as wanted")
    .option("--queue <url>", QUEUE_HELP)
    .option("--transfers <n>", `files in flight in this worker, 1-${MAX_TRANSFERS} (default ${DEFAULT_TRANSFERS})`, countFlag(MAX_TRANSFERS))
    .option("--concurrency <n>", `part uploads in flight across this worker's files, 1-${MAX_CONCURRENCY} (default ${DEFAULT_CONCURRENCY})`, countFlag(MAX_CONCURRENCY))
    .option("--stall-timeout <seconds>", `how long a dead worker's files wait before another takes them over; the same on every worker (default ${DEFAULT_STALL_TIMEOUT_MS / 1000})`, secondsFlag)
    .option("--base-url <url>", `upload host base URL (env BOX_UPLOAD_BASE_URL; default ${BOX_UPLOAD_BASE_URL})`)
    .option("--api-base-url <url>", `API host base URL (env BOX_API_BASE_URL; default ${BOX_API_BASE_URL})`)
    .option("--as-user <user_id>", "act as this Box user (a managed user's ID); give the producer the same (env BOX_AS_USER)", userIdFlag)
    .option("--max-uploads-per-minute <n>", "the fleet's pace of file uploads, or off; the same on every member (env BOX_MAX_UPLOADS_PER_MINUTE; default 240, Box's limit)", rateFlag)
    .option("--max-calls-per-minute <n>", "the fleet's pace of other API calls, or off (env BOX_MAX_CALLS_PER_MINUTE; default 1000, Box's limit)", rateFlag)
    .option("--bwlimit <rate>", "cap the bytes the whole fleet sends a second: 4M, 512k, off (env BOX_BWLIMIT; default off)", bandwidthFlag)
    .option("--verbose", "print one line per request on stderr: method, path, status, ms, Box request id")
    .option("--quiet", "print nothing but failures and errors")
    .action(async (flags: WorkerFlags) => {
      const screen = createScreen(io.stderr, false);
      const url = queueUrl(io, flags);
      if (!url) {
        io.stderr.write("box-upload: worker needs a queue: --queue redis://host:port/db or BOX_SYNC_QUEUE\n");
        return setCode(EXIT.usage);
      }
      const { around, fleet } = fleetAround(url, flags.stallTimeout === undefined ? undefined : flags.stallTimeout * 1000);
      let errorSaid = 0;
      const code = await withClient(io, flags, { screen, stopView: () => undefined, ...around }, async ({ client, signal, onRetry }) => {
        const f = fleet();
        await f.work(client, {
          signal,
          ...(flags.transfers !== undefined ? { transfers: flags.transfers } : {}),
          ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
          ...(onRetry ? { retry: { onRetry } } : {}),
          onReady: () => {
            if (!flags.quiet) screen.say(`worker: taking files from ${f.queue} (transfers ${flags.transfers ?? DEFAULT_TRANSFERS}, concurrency ${flags.concurrency ?? DEFAULT_CONCURRENCY})`);
          },
          onEvent: (e) => {
            if (!flags.quiet || e.type === "failed") screen.say(client.redact(eventLine(e)));
          },
          // Redis going away makes every connection complain: once in a while is enough.
          onError: (err) => {
            if (Date.now() - errorSaid < 10_000) return;
            errorSaid = Date.now();
            screen.say(printable(client.redact(`queue: ${err instanceof Error ? err.message : String(err)}`)));
          },
        });
        if (!flags.quiet) screen.say("worker: stopped; files in flight were handed back to the queue");
        return EXIT.ok;
      });
      setCode(code);
    });
}
