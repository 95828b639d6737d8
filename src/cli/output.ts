/** What the CLI prints for errors, shared by every command: plain or JSON, never a raw control character. */
import { BoxApiError, BoxInputError, BoxNetworkError, CommitUncertainError } from "../index";

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

/** Server-chosen text (a file name) printed to a terminal: control characters shown, not obeyed. */
export function printable(text: unknown): string {
  return String(text).replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function errorJson(err: unknown): Record<string, unknown> {
  const e = err as Error;
  const out: Record<string, unknown> = { name: e?.name ?? "Error", message: e?.message ?? String(err) };
  if (err instanceof BoxApiError) {
    Object.assign(out, { status: err.status, code: err.code, request_id: err.requestId, context_info: err.contextInfo ?? null });
  }
  if (err instanceof BoxNetworkError) out.code = err.code;
  if (err instanceof CommitUncertainError) Object.assign(out, { session_id: err.sessionId, sha1: err.sha1 });
  if (err instanceof BoxInputError) out.argument = err.argument;
  return out;
}

export function report(io: Io, flags: { json?: boolean }, err: unknown): void {
  if (flags.json) io.stderr.write(`${JSON.stringify({ error: errorJson(err) })}\n`);
  else io.stderr.write(`box-upload: ${printable((err as Error)?.name ?? "Error")}: ${printable((err as Error)?.message ?? err)}\n`);
}
