/** Flags every command shares, and their parsers (a bad value is a usage error, exit 2). */
import { type Command, InvalidArgumentError } from "commander";
import { BOX_API_BASE_URL, BOX_UPLOAD_BASE_URL, CHUNKED_MIN_SIZE, DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from "../index";
import type { Io } from "./output";
import { bandwidthFlag, rateFlag, type PacingFlags } from "./pacing";

export interface SharedFlags extends PacingFlags {
  /** true: always plan; false: never; undefined: auto. */
  plan?: boolean;
  baseUrl?: string;
  apiBaseUrl?: string;
  verbose?: boolean;
  chunkedThreshold?: number;
  json?: boolean;
  quiet?: boolean;
  concurrency?: number;
}

export function thresholdFlag(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || !Number.isSafeInteger(n)) throw new InvalidArgumentError("must be a whole number of bytes >= 1");
  return n;
}

/** A whole number from 0. */
export function wholeFlag(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError("must be a whole number (0 or more)");
  return n;
}

export function userIdFlag(value: string): string {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("must be a Box user ID (digits only)");
  return value;
}

export function countFlag(max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > max) throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
    return n;
  };
}

/** --chunked-threshold, else BOX_CHUNKED_THRESHOLD, else the library's default. */
export function chunkedThreshold(io: Io, flags: SharedFlags): number | undefined {
  return flags.chunkedThreshold ?? (io.env.BOX_CHUNKED_THRESHOLD ? thresholdFlag(io.env.BOX_CHUNKED_THRESHOLD) : undefined);
}

export function sharedFlags(cmd: Command, concurrencyHelp = "parts in flight"): Command {
  return cmd
    .option("--base-url <url>", `upload host base URL (env BOX_UPLOAD_BASE_URL; default ${BOX_UPLOAD_BASE_URL})`)
    .option("--api-base-url <url>", `API host base URL (env BOX_API_BASE_URL; default ${BOX_API_BASE_URL} for Box's upload host, else the upload host's origin + /2.0)`)
    .option("--chunked-threshold <bytes>", `files of at least this size use a chunked session (env BOX_CHUNKED_THRESHOLD; default ${CHUNKED_MIN_SIZE})`, thresholdFlag)
    .option("--verbose", "print one line per request on stderr: method, path, status, ms, Box request id")
    .option("--concurrency <n>", `${concurrencyHelp}, 1-${MAX_CONCURRENCY} (default ${DEFAULT_CONCURRENCY})`, countFlag(MAX_CONCURRENCY))
    .option("--as-user <user_id>", "act as this Box user (a managed user's ID), as a service account or admin may (env BOX_AS_USER)", userIdFlag)
    .option("--max-uploads-per-minute <n>", "pace file uploads to this many a minute, or off (env BOX_MAX_UPLOADS_PER_MINUTE; default 240, Box's limit)", rateFlag)
    .option("--max-calls-per-minute <n>", "pace other API calls to this many a minute, or off (env BOX_MAX_CALLS_PER_MINUTE; default 1000, Box's limit)", rateFlag)
    .option("--bwlimit <rate>", "cap the bytes sent a second, all transfers together: 4M, 512k, off (env BOX_BWLIMIT; default off)", bandwidthFlag)
    .option("--plan", "always ask Box which parts it already holds (upload plan); default: for new versions when Box offers it")
    .option("--no-plan", "never ask for an upload plan: send every part")
    .option("--json", "print one JSON object with the result on stdout (errors as JSON on stderr)")
    .option("--quiet", "print nothing but errors");
}

/** The library's `plan` option from --plan / --no-plan. */
export function planMode(flags: SharedFlags): { plan?: "always" | "never" } {
  return flags.plan === undefined ? {} : { plan: flags.plan ? "always" : "never" };
}

/** A duration as rclone writes one: `90s`, `45m`, `6h`, `1h30m`, `2d`; a bare number is seconds. */
export function durationFlag(value: string): number {
  const text = value.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let ms = 0;
  let rest = text;
  for (let m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/.exec(rest); m; m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/.exec(rest)) {
    ms += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  if (rest !== "" || text === "") throw new InvalidArgumentError("must be a duration like 90s, 45m, 6h or 1h30m");
  return Math.round(ms);
}
