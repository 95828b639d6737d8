/** Client options and operation inputs that are plain values, checked before anything is sent. */
import { BoxInputError } from "../core/errors";
import { checkByteCount, checkFileName, checkHeaderValue, checkIntInRange, checkOptionsObject } from "../core/validate";
import type { ApiPlatform, BoxClientOptions, SessionInput } from "./types";

/** Default per-request deadline: a part of 128 MiB still fits at ~0.25 MB/s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 600_000;
/** Default longest silence on a connection before it is given up. */
export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

export function clientSettings(options: BoxClientOptions, platform: ApiPlatform): { userAgent: string; requestTimeoutMs: number; idleMs: number } {
  if (options === null || typeof options !== "object") {
    throw new BoxInputError("options", "must be an object with at least a token");
  }
  if (options.fetch !== undefined && typeof options.fetch !== "function") throw new BoxInputError("fetch", "must be a function");
  const timeouts = checkOptionsObject<{ requestMs: number; idleMs: number }>("timeouts", options.timeouts);
  return {
    userAgent: checkHeaderValue("userAgent", options.userAgent) ?? platform.userAgent,
    requestTimeoutMs: timeouts.requestMs === undefined ? DEFAULT_REQUEST_TIMEOUT_MS : checkIntInRange("timeouts.requestMs", timeouts.requestMs, 1, MAX_TIMER_MS),
    idleMs: timeouts.idleMs === undefined ? DEFAULT_IDLE_TIMEOUT_MS : checkIntInRange("timeouts.idleMs", timeouts.idleMs, 1, MAX_TIMER_MS),
  };
}

export function sessionBody(input: SessionInput): { file_size: number; file_name?: string } {
  if (input === null || typeof input !== "object") throw new BoxInputError("input", "must be an object");
  const body: { file_size: number; file_name?: string } = { file_size: checkByteCount("fileSize", input.fileSize) };
  if (input.fileName !== undefined) body.file_name = checkFileName("fileName", input.fileName);
  return body;
}

/** A `fields` query: Box's field names, lowercase with digits and underscores. */
export function checkFields(fields: unknown): string[] {
  if (!Array.isArray(fields) || fields.some((f) => typeof f !== "string" || !/^[a-z0-9_]+$/.test(f))) {
    throw new BoxInputError("fields", "must be an array of field names");
  }
  return fields as string[];
}
