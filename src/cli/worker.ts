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
  type RedisStatus,
} from "../index";
import { EXIT } from "./exitCodes";
import { countFlag, userIdFlag } from "./flags";
import { printable, type Io } from "./output";
import { bandwidthFlag, rateFlag, type PacingFlags } from "./pacing";
import { createScreen } from "./screen";
import { withClient, type Around } from "./command";
import { eventLine } from "./treeView";
import type { Registry } from "prom-client";
import { METRICS_HELP, metricsAddrFlag, startMetrics, type MetricsFlags } from "./metrics";

export interface QueueFlags {
  queue?: string;
}

interface WorkerFlags extends QueueFlags, PacingFlags, MetricsFlags {
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

/**
 * The queue a command uses: the flag, else BOX_SYNC_QUEUE. A password goes only through the
 * variable: in a flag it would land in shell history, `ps` and the hint after Ctrl-C.
 */
export function queueUrl(io: Io, flags: QueueFlags): string | undefined {
  if (flags.queue !== undefined) {
    let password = "";
    try {
      password = new URL(flags.queue).password;
    } catch {
      /* not a URL: the fleet's own check says so */
    }
    if (password) throw new InvalidArgumentError("--queue: a password goes in BOX_SYNC_QUEUE, never in a flag (shell history, ps); set BOX_SYNC_QUEUE=redis://:PASSWORD@host:port/db and leave out --queue");
  }
  return flags.queue ?? (io.env.BOX_SYNC_QUEUE || undefined);
}

/** The line for a change of Redis's state: an outage when it starts (and, for a worker, each attempt), its end. */
export function redisLine(status: RedisStatus, shown: string, eachAttempt: boolean): string | undefined {
  if (status.state === "up") return status.downMs > 0 ? `queue: Redis at ${shown} answers again (after ${Math.round(status.downMs / 1000)} s)` : undefined;
  if (status.attempt > 1 && !eachAttempt) return undefined;
  const next = `trying again in ${status.retryInMs >= 1000 ? `${Math.round(status.retryInMs / 1000)} s` : `${status.retryInMs} ms`}`;
  return status.attempt === 1 ? `queue: cannot reach Redis at ${shown} (${status.error}); ${next}` : `queue: Redis at ${shown} still unreachable (${status.error}), attempt ${status.attempt}; ${next}`;
}

/**
 * The fleet a command runs in, as withClient's hooks: made once the pacing flags are read (its
 * pacer then paces the client), closed at the end.
 */
export function fleetAround(url: string, stallTimeoutMs?: number, metrics?: Registry): { around: Pick<Around, "pacer" | "close">; fleet: () => Fleet } {
  let fleet: Fleet | undefined;
  return {
    around: {
      pacer: (pacing) => {
        fleet = createFleet({ redis: url, ...pacing, ...(stallTimeoutMs !== undefined ? { stallTimeoutMs } : {}), ...(metrics ? { metrics } : {}) });
        return fleet.pacer;
      },
      close: async () => fleet?.close(),
    },
    fleet: () => fleet!,
  };
}

export function secondsFlag(value: string): number {
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
    .option("--metrics-addr <host:port>", METRICS_HELP, metricsAddrFlag)
    .action(async (flags: WorkerFlags, cmd: Command) => {
      const screen = createScreen(io.stderr, false);
      let url: string | undefined;
      try {
        url = queueUrl(io, flags);
      } catch (err) {
        io.stderr.write(`box-upload: ${(err as Error).message}\n`);
        return setCode(EXIT.usage);
      }
      if (!url) {
        io.stderr.write("box-upload: worker needs a queue: --queue redis://host:port/db or BOX_SYNC_QUEUE\n");
        return setCode(EXIT.usage);
      }
      const metrics = await startMetrics(flags, (line) => flags.quiet || screen.say(line)).catch((err: Error) => cmd.error(`error: ${err.message}`, { exitCode: EXIT.usage }));
      const { around, fleet } = fleetAround(url, flags.stallTimeout === undefined ? undefined : flags.stallTimeout * 1000, metrics.registry);
      let errorSaid = 0;
      const close = async () => {
        await around.close?.();
        await metrics.close();
      };
      const code = await withClient(io, flags, { screen, stopView: () => undefined, ...around, close, ...(metrics.registry ? { metrics: metrics.registry } : {}) }, async ({ client, signal, onRetry }) => {
        const f = fleet();
        // A service: one short line per attempt to reach Redis while it does not answer, one when it does.
        const quiet = f.onRedis((status) => {
          const line = redisLine(status, f.queue, true);
          if (line && (!flags.quiet || status.state === "down")) screen.say(line);
        });
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
          // What an outage does to BullMQ's connections is said by the lines above; anything else,
          // once in a while.
          onError: (err) => {
            if (Date.now() - errorSaid < 10_000) return;
            errorSaid = Date.now();
            screen.say(printable(client.redact(`queue: ${err instanceof Error ? err.message : String(err)}`)));
          },
        }).finally(quiet);
        if (!flags.quiet) screen.say("worker: stopped; files in flight were handed back to the queue");
        return EXIT.ok;
      });
      setCode(code);
    });
}
