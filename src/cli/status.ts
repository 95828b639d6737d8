/**
 * `box-upload status --queue redis://...`: a fleet seen from any host: the queue's jobs by state,
 * the workers seen in the last minute, the fleet's pace against its ceiling, and the last 429.
 * Read-only; exit 0 whatever it finds (an empty queue, no worker), 7 when Redis does not answer
 * within --redis-wait.
 */
import type { Command } from "commander";
import { createFleet, type FleetStatus, type KindStatus } from "../index";
import { EXIT, exitCodeFor } from "./exitCodes";
import { report, printable, type Io } from "./output";
import { queueUrl, secondsFlag, type QueueFlags } from "./worker";

interface StatusFlags extends QueueFlags {
  json?: boolean;
  redisWait?: number;
}

/** How long status waits for Redis by default: it is asked by a person or a script, not a service. */
const DEFAULT_WAIT_S = 5;

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

function pace(name: string, k: KindStatus): string {
  if (k.ceiling === undefined) return `${name}: ${k.lastMinute} in the last minute (not paced, or none sent in the last hour)`;
  const cut = k.rate !== undefined && k.rate < k.ceiling * 0.99 ? `, slowed to ${Math.round(k.rate)}/min after 429s` : "";
  return `${name}: ${k.lastMinute} in the last minute, of ${Math.round(k.ceiling)}/min paced (${Math.round((100 * k.lastMinute) / k.ceiling)}%)${cut}`;
}

function refused(name: string, k: KindStatus, now: number): string {
  if (k.lastRefusedAt === undefined) return `${name}: none in the last hour`;
  return `${name}: ${ago(now - k.lastRefusedAt)}${k.lastPauseMs !== undefined ? ` (asked to wait ${(k.lastPauseMs / 1000).toFixed(k.lastPauseMs < 10_000 ? 1 : 0)} s)` : ""}`;
}

export function statusLines(s: FleetStatus): string[] {
  const j = s.jobs;
  const lines = [`queue: ${s.queue}`, `jobs: ${j.waiting} waiting, ${j.active} active, ${j.delayed} delayed, ${j.failed} failed`];
  lines.push(s.workers.length ? `workers seen in the last minute: ${s.workers.length}` : "workers seen in the last minute: none");
  for (const w of s.workers) {
    lines.push(`  ${w.id}: ${w.inFlight} files in flight, ${w.done} done (${w.failed} failed) since ${new Date(w.startedAt).toISOString()}`);
  }
  lines.push(`pace: ${pace("uploads", s.pacing.upload)}; ${pace("calls", s.pacing.call)}`);
  lines.push(`last 429: ${refused("uploads", s.pacing.upload, s.now)}; ${refused("calls", s.pacing.call, s.now)}`);
  return lines;
}

/** The --json form: snake_case, times as ISO text. */
export function statusJson(s: FleetStatus): Record<string, unknown> {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  const kind = (k: KindStatus) => ({ last_minute: k.lastMinute, this_minute: k.thisMinute, previous_minute: k.previousMinute, ceiling_per_minute: k.ceiling ?? null, rate_per_minute: k.rate ?? null, last_429_at: iso(k.lastRefusedAt), last_429_pause_ms: k.lastPauseMs ?? null });
  return {
    queue: s.queue,
    jobs: s.jobs,
    workers: s.workers.map((w) => ({ id: w.id, host: w.host, in_flight: w.inFlight, done: w.done, failed: w.failed, started_at: iso(w.startedAt), seen_at: iso(w.at) })),
    pace: { upload: kind(s.pacing.upload), call: kind(s.pacing.call) },
    now: iso(s.now),
  };
}

export function registerStatus(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command("status")
    .description("show a fleet's queue: jobs by state, workers seen in the last minute, its pace against Box's limits, the last 429")
    .option("--queue <url>", "the fleet's Redis URL (env BOX_SYNC_QUEUE); a password only through the variable")
    .option("--json", "print one JSON object")
    .option("--redis-wait <seconds>", `how long to wait for Redis before giving up with exit ${EXIT.network} (default ${DEFAULT_WAIT_S})`, secondsFlag)
    .action(async (flags: StatusFlags, cmd: Command) => {
      let url: string | undefined;
      try {
        url = queueUrl(io, flags);
      } catch (err) {
        return cmd.error(`error: ${(err as Error).message}`, { exitCode: EXIT.usage });
      }
      if (!url) return cmd.error("error: status needs a queue: --queue redis://host:port/db or BOX_SYNC_QUEUE", { exitCode: EXIT.usage });
      let fleet;
      try {
        fleet = createFleet({ redis: url });
      } catch (err) {
        return cmd.error(`error: --queue: ${(err as Error).message}`, { exitCode: EXIT.usage });
      }
      try {
        const status = await fleet.status({ waitMs: (flags.redisWait ?? DEFAULT_WAIT_S) * 1000 });
        io.stdout.write(flags.json ? `${JSON.stringify(statusJson(status))}\n` : `${statusLines(status).map(printable).join("\n")}\n`);
        setCode(EXIT.ok);
      } catch (err) {
        report(io, flags, err);
        setCode(exitCodeFor(err));
      } finally {
        await fleet.close();
      }
    });
}
