/** Reading request bodies: raw (optionally shaped to a link's speed), JSON, form fields, a move's target, a body read ahead; query integers. */
import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { badRequest, HttpError } from "./errors";
import { checkItemName } from "./state";

/** A commit lists every part: 10,000 parts of ~110 bytes each need about 1.1 MB. */
export const MAX_JSON = 4 * 1024 * 1024;

/**
 * Hands each chunk of the body to `onChunk` as it arrives. Refuses (413) past `limit` bytes; with
 * `bytesPerSecond`, reads no faster than that, which is what slows a TCP sender down.
 */
export async function streamBody(
  req: IncomingMessage,
  onChunk: (chunk: Buffer) => void,
  limit = Number.MAX_SAFE_INTEGER,
  bytesPerSecond?: number,
): Promise<number> {
  let total = 0;
  const started = Date.now();
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > limit) throw new HttpError(413, "request_too_large", `body exceeds ${limit - 1} bytes`);
    onChunk(chunk);
    if (bytesPerSecond) {
      const ahead = (total / bytesPerSecond) * 1000 - (Date.now() - started);
      if (ahead > 1) await new Promise((r) => setTimeout(r, ahead));
    }
  }
  return total;
}

/** The whole body, refused (413) when it reaches `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number, bytesPerSecond?: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const total = await streamBody(req, (c) => chunks.push(c), limit, bytesPerSecond);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return jsonObject((await readBody(req, MAX_JSON)).toString("utf8"), "body");
}

/** `text` parsed as a JSON object, or a 400 naming `what`. */
export function jsonObject(text: string, what: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) return value;
  } catch {
    /* fall through */
  }
  throw badRequest(`${what} must be a JSON object`);
}

/**
 * The body of PUT /files/{id} or PUT /folders/{id}: the new name and parent.id, each checked when
 * given, and the names of any other fields (Box takes many; this server changes only these two).
 */
export async function readMoveTarget(req: IncomingMessage): Promise<{ name?: string; parentId?: string; others: string[] }> {
  const body = await readJson(req);
  const target: { name?: string; parentId?: string; others: string[] } = { others: Object.keys(body).filter((k) => k !== "name" && k !== "parent") };
  if (body.name !== undefined) target.name = checkItemName(body.name);
  if (body.parent !== undefined) {
    const parent = body.parent as { id?: unknown } | null;
    if (!parent || typeof parent !== "object" || typeof parent.id !== "string") throw badRequest("parent.id must be a string");
    target.parentId = parent.id;
  }
  return target;
}

/** An application/x-www-form-urlencoded body's fields, or undefined when the body is of another type. */
export async function readForm(req: IncomingMessage): Promise<Record<string, string> | undefined> {
  const raw = await readBody(req, 64 * 1024);
  const type = String(req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return undefined;
  return Object.fromEntries(new URLSearchParams(raw.toString("utf8")));
}

export function intParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw badRequest(`${name} must be a non-negative integer`);
  return n;
}

/**
 * A request whose body was read already (the `bufferBodies` option), as a handler reads one: the
 * same headers, method and URL, and a body stream that yields the bytes read.
 */
export function replayBody(req: IncomingMessage, body: Buffer): IncomingMessage {
  const replay = Readable.from(body.byteLength ? [body] : []);
  return Object.assign(replay, { headers: req.headers, method: req.method, url: req.url, socket: req.socket }) as unknown as IncomingMessage;
}
