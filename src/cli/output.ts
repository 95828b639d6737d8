/** What the CLI prints for errors, shared by every command: plain or JSON, never a raw control character. */
import { BoxApiError, BoxInputError, BoxNetworkError, CommitUncertainError } from "../index";
import { displayWidth, fitColumns } from "./width";

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

/**
 * `text` cut into lines of at most `width` columns at spaces (a word longer than that is cut), the
 * lines after the first indented by two: on a terminal, a long message wraps where it reads well.
 */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  const room = () => width - (lines.length ? 2 : 0);
  for (const word of text.split(" ")) {
    if (line && displayWidth(line) + 1 + displayWidth(word) > room()) {
      lines.push(line);
      line = "";
    }
    line = line ? `${line} ${word}` : word;
    while (displayWidth(line) > room()) {
      const head = fitColumns(line, room()) || [...line][0]!;
      lines.push(head);
      line = line.slice(head.length);
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines.map((l, i) => (i ? `  ${l}` : l));
}

export function report(io: Io, flags: { json?: boolean }, err: unknown): void {
  if (flags.json) return void io.stderr.write(`${JSON.stringify({ error: errorJson(err) })}\n`);
  const text = `box-upload: ${printable((err as Error)?.name ?? "Error")}: ${printable((err as Error)?.message ?? err)}`;
  const lines = io.stderr.isTTY ? wrap(text, Math.max(10, (io.stderr.columns ?? 80) - 1)) : [text];
  io.stderr.write(`${lines.join("\n")}\n`);
}
