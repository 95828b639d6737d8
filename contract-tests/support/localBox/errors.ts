/** Box's error body, and the error the local server's handlers throw to answer with one. */
import { randomBytes } from "node:crypto";
import type { components } from "../../../generated/box-chunked-uploads";
import type { Fault } from "./options";

/** A handler's refusal: answered as Box's error body with this status, code and context_info. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly contextInfo: Record<string, unknown> | null = null,
  ) {
    super(message);
  }
}

/** Box's error body, as this server answers errors. */
export function errorBody(
  status: number,
  code: string,
  message: string,
  contextInfo: Record<string, unknown> | null = null,
): components["schemas"]["ClientError"] {
  return {
    type: "error",
    status,
    code,
    message,
    request_id: randomBytes(6).toString("hex"),
    help_url: "https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/",
    context_info: contextInfo,
  };
}

/** A fault answering Box's error `code` (e.g. a lagging `parts_mismatch`) rather than a generic one. */
export function errorFault(status: number, code: string, message = "fault injected by the test"): Fault {
  return { status, body: errorBody(status, code, message) };
}

export function badRequest(message: string, code = "bad_request"): HttpError {
  return new HttpError(400, code, message);
}

export function notFound(message: string, code = "not_found"): HttpError {
  return new HttpError(404, code, message);
}

/** Box's 412 when an If-Match header is not the item's current etag (no header: no condition). */
export function checkIfMatch(header: string | string[] | undefined, etag: number | null): void {
  if (header !== undefined && header !== String(etag)) {
    throw new HttpError(412, "precondition_failed", "The resource has been modified. Please retrieve the resource again and retry");
  }
}
