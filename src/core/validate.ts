/** Argument checks run before any request, so bad input never reaches the wire. */
import { BoxInputError } from "./errors";

const DIGITS = /^[0-9]+$/;
// Box session ids are hex; anything that could change the URL path is refused.
const SESSION_ID = /^[A-Za-z0-9_-]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (value === null) return "null";
  return typeof value;
}

/** A Box item id: a non-empty string of digits (`"0"` is the root folder). */
export function checkItemId(argument: string, value: unknown): string {
  if (typeof value !== "string" || !DIGITS.test(value)) {
    throw new BoxInputError(argument, `must be a non-empty string of digits, got ${describe(value)}`);
  }
  return value;
}

export function checkSessionId(argument: string, value: unknown): string {
  if (typeof value !== "string" || !SESSION_ID.test(value)) {
    throw new BoxInputError(argument, `must be a non-empty upload session id, got ${describe(value)}`);
  }
  return value;
}

/** A whole number of bytes within `min..Number.MAX_SAFE_INTEGER`. */
export function checkByteCount(argument: string, value: unknown, min = 1): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new BoxInputError(argument, `must be a safe integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

/** A whole number within `min..max`. */
export function checkIntInRange(argument: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new BoxInputError(argument, `must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

/** Box's rules for item names: 1-255 characters, no slashes, no control characters, not `.` or `..`. */
export function checkFileName(argument: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new BoxInputError(argument, `must be a non-empty string, got ${describe(value)}`);
  }
  if (value.length > 255) throw new BoxInputError(argument, "must be at most 255 characters");
  if (value.includes("/") || value.includes("\\")) {
    throw new BoxInputError(argument, `must not contain "/" or "\\", got ${describe(value)}`);
  }
  if (CONTROL.test(value)) throw new BoxInputError(argument, "must not contain control characters");
  if (value === "." || value === ".." || value !== value.trimEnd()) {
    throw new BoxInputError(argument, `is not a name Box accepts: ${describe(value)}`);
  }
  return value;
}

/** A SHA-1 as Box writes it in JSON: 40 lowercase hex digits. */
export function isSha1Hex(value: unknown): value is string {
  return typeof value === "string" && /^[0-9a-f]{40}$/.test(value);
}

/** A SHA-512 as the upload plan names a part by: 128 lowercase hex digits. */
export function isSha512Hex(value: unknown): value is string {
  return typeof value === "string" && /^[0-9a-f]{128}$/.test(value);
}

/** `value` when it is a SHA-1 in hex (isSha1Hex), else a BoxInputError naming `argument`. */
export function checkSha1Hex(argument: string, value: unknown): string {
  if (!isSha1Hex(value)) {
    throw new BoxInputError(argument, "must be 40 lowercase hex digits");
  }
  return value;
}

export function checkOptionalString(argument: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0) {
    throw new BoxInputError(argument, `must be a non-empty string when given, got ${describe(value)}`);
  }
  return value;
}

export function checkOptionsObject<T extends object>(argument: string, value: unknown): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new BoxInputError(argument, `must be an object when given, got ${describe(value)}`);
  }
  return value as Partial<T>;
}

/**
 * A value we put in an HTTP header (an etag, a user agent): visible Latin-1 and inner spaces only,
 * so it can neither split the header (CR/LF) nor fail in Headers at the last moment.
 */
export function checkHeaderValue(argument: string, value: unknown): string | undefined {
  const text = checkOptionalString(argument, value);
  if (text !== undefined && !/^[\x21-\x7e\xa0-\xff](?:[\x20-\x7e\xa0-\xff]*[\x21-\x7e\xa0-\xff])?$/.test(text)) {
    throw new BoxInputError(argument, "must be printable Latin-1 text without control characters or outer spaces");
  }
  return text;
}

/** Box session ids as a server hands them out; anything that could change a URL path is refused. */
export function isSessionId(value: unknown): value is string {
  return typeof value === "string" && SESSION_ID.test(value) && value.length <= 256;
}
