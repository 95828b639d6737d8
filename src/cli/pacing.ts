/**
 * The CLI's pacing flags: Box's rate limits (--max-uploads-per-minute, --max-calls-per-minute, or
 * BOX_MAX_UPLOADS_PER_MINUTE, BOX_MAX_CALLS_PER_MINUTE) and a bandwidth cap with rclone's syntax
 * (--bwlimit 4M, or BOX_BWLIMIT): a number with B, K, M, G or T for bytes, KiB, MiB, GiB or TiB a
 * second, KiB when it has no suffix; `0` or `off` for none, as for the limits.
 */
import { InvalidArgumentError } from "commander";
import { BoxInputError, type BoxClientOptions } from "../index";

const UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** rclone's --bwlimit: bytes a second, or undefined for "off" and 0. Throws a message for anything else. */
export function parseBandwidth(value: string): number | undefined {
  const text = value.trim().toLowerCase();
  if (text === "off" || text === "0") return undefined;
  const m = /^(\d+(?:\.\d+)?)([bkmgt])?$/.exec(text);
  if (!m) throw new Error(`must be a rate like 4M, 512k or 1.5G (bytes a second; K when no unit), or off`);
  const bytes = Math.round(Number(m[1]) * UNITS[m[2] ?? "k"]!);
  if (bytes < 1) throw new Error("must be at least 1 byte a second, or off");
  return bytes;
}

/** A size in rclone's syntax (`10M` = 10 MiB, `1G`, a bare number is KiB): --max-transfer. */
export const sizeFlag = (v: string) => {
  try {
    const bytes = parseBandwidth(v);
    if (bytes === undefined) throw new Error("must be a size like 10M, 500k or 1G");
    return bytes;
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace(" a second", "").replace("a rate like", "a size like"));
  }
};

/** A limit a minute: a whole number, `0` or `off` for none. */
export function parseRate(value: string): number | "off" {
  const text = value.trim().toLowerCase();
  if (text === "off" || text === "0") return "off";
  if (!/^\d+$/.test(text)) throw new Error("must be a whole number of requests a minute, 0 or off");
  return Number(text);
}

/** Commander parsers: a bad value is a usage error. */
export const bandwidthFlag = (v: string) => {
  try {
    return parseBandwidth(v) ?? 0;
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};
export const rateFlag = (v: string) => {
  try {
    return parseRate(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

export interface PacingFlags {
  maxUploadsPerMinute?: number | "off";
  maxCallsPerMinute?: number | "off";
  /** Bytes a second; 0 for none. */
  bwlimit?: number;
}

/** The client's pacing options from the flags, else the environment, else the library's defaults (Box's limits, no cap). */
export function pacingOptions(env: NodeJS.ProcessEnv, flags: PacingFlags): Pick<BoxClientOptions, "rateLimits" | "bandwidthLimit"> {
  const fromEnv = <T>(name: string, parse: (v: string) => T): T | undefined => {
    const value = env[name];
    if (value === undefined || value === "") return undefined;
    try {
      return parse(value);
    } catch (err) {
      throw new BoxInputError(name, (err as Error).message);
    }
  };
  const uploads = flags.maxUploadsPerMinute ?? fromEnv("BOX_MAX_UPLOADS_PER_MINUTE", parseRate);
  const calls = flags.maxCallsPerMinute ?? fromEnv("BOX_MAX_CALLS_PER_MINUTE", parseRate);
  const bandwidth = flags.bwlimit !== undefined ? flags.bwlimit || undefined : fromEnv("BOX_BWLIMIT", parseBandwidth);
  return {
    ...(uploads !== undefined || calls !== undefined
      ? { rateLimits: { ...(uploads !== undefined ? { uploadsPerMinute: uploads } : {}), ...(calls !== undefined ? { callsPerMinute: calls } : {}) } }
      : {}),
    ...(bandwidth ? { bandwidthLimit: bandwidth } : {}),
  };
}

/** The bandwidth cap a command runs under, to show beside its speed (a bad value is reported when the client is made). */
export function capOf(io: { env: NodeJS.ProcessEnv }, flags: PacingFlags): number | undefined {
  try {
    return pacingOptions(io.env, flags).bandwidthLimit;
  } catch {
    return undefined;
  }
}
