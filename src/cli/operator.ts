/**
 * What an operator asks of a tree's run (`sync`, `watch`): --metrics-addr and --report, both opened
 * before any work starts, so a busy address or a report that cannot be written is said at once
 * and nothing is sent.
 */
import type { Command } from "commander";
import type { Registry } from "prom-client";
import type { SyncEvent } from "../index";
import { EXIT } from "./exitCodes";
import { METRICS_HELP, metricsAddrFlag, startMetrics, type MetricsFlags } from "./metrics";
import { ReportFile } from "./report";

export interface OperatorFlags extends MetricsFlags {
  report?: string;
}

export function operatorFlags(cmd: Command): Command {
  return cmd
    .option("--metrics-addr <host:port>", METRICS_HELP, metricsAddrFlag)
    .option("--report <file>", "append one JSON line per file decided (path, action, Box id, version, SHA-1, size, bytes sent, seconds, error)");
}

export interface Operator {
  registry: Registry | undefined;
  /** The event, into the report (if any). */
  event(e: SyncEvent, redact: (text: string) => string): void;
  close(): Promise<void>;
}

export async function openOperator(flags: OperatorFlags, cmd: Command, dryRun: boolean, say: (line: string) => void): Promise<Operator> {
  let report: ReportFile | undefined;
  if (flags.report !== undefined) {
    try {
      report = ReportFile.open(flags.report);
    } catch (err) {
      return cmd.error(`error: --report: cannot open ${flags.report} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { exitCode: EXIT.input });
    }
  }
  let metrics: Awaited<ReturnType<typeof startMetrics>>;
  try {
    metrics = await startMetrics(flags, say);
  } catch (err) {
    report?.close();
    return cmd.error(`error: ${(err as Error).message}`, { exitCode: EXIT.usage });
  }
  return {
    registry: metrics.registry,
    event: (e, redact) =>
      report?.write(e, dryRun, redact, (err) => say(`report: cannot write ${flags.report} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); the run goes on without it`)),
    close: async () => {
      report?.close();
      await metrics.close();
    },
  };
}
