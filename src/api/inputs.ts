/** Client options and operation inputs that are plain values, checked before anything is sent. */
import { BoxInputError } from "../core/errors";
import { checkByteCount, checkFileName, checkHeaderValue, checkIntInRange, checkItemId, checkOptionsObject } from "../core/validate";
import type { ApiPlatform, BoxClientOptions, ContentTimes, MoveTarget, SessionInput } from "./types";

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

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Content times as Box's attributes (`content_modified_at`, `content_created_at`), checked; undefined when none. */
export function timeAttributes(times: ContentTimes | undefined): { content_modified_at?: string; content_created_at?: string } | undefined {
  if (times === undefined) return undefined;
  if (times === null || typeof times !== "object") throw new BoxInputError("times", "must be an object");
  const out: { content_modified_at?: string; content_created_at?: string } = {};
  for (const [key, field] of [["contentModifiedAt", "content_modified_at"], ["contentCreatedAt", "content_created_at"]] as const) {
    const value = times[key];
    if (value === undefined) continue;
    if (typeof value !== "string" || !RFC3339.test(value)) throw new BoxInputError(`times.${key}`, "must be an RFC 3339 date-time, e.g. 2026-01-31T09:30:00Z");
    out[field] = value;
  }
  return Object.keys(out).length ? out : undefined;
}

/** A move's target as Box's body (name, parent.id) and its If-Match, checked; it must change something. */
export function moveInput(to: MoveTarget | undefined): { body: { name?: string; parent?: { id: string } }; ifMatch: string | undefined } {
  const input = checkOptionsObject<MoveTarget>("to", to);
  if (input.name === undefined && input.parentId === undefined) throw new BoxInputError("to", "must give a new name, a new parentId, or both");
  const body: { name?: string; parent?: { id: string } } = {};
  if (input.name !== undefined) body.name = checkFileName("name", input.name);
  if (input.parentId !== undefined) body.parent = { id: checkItemId("parentId", input.parentId) };
  return { body, ifMatch: checkHeaderValue("ifMatch", input.ifMatch) };
}
