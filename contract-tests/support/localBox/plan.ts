/**
 * Box's upload plan, as the local server keeps it when asked to (`uploadPlan`): a plan's hits are
 * the parts of the file's current version at the same offset and size with the same SHA-512.
 * Box does not document how hits enter the commit, so each way it could is a switch:
 * - `commit`: the commit names a hit with its part_id, like an uploaded part;
 * - `listed`: the hits show in list parts too (and the commit names them as listed);
 * - `refused`: a commit that names a hit is refused (parts_mismatch); the session holds the hits
 *   itself, so the commit names only the parts that were uploaded.
 * `endpoint: false` is a server without the plan: no session_endpoints.plan, and 404.
 * With a plan, the server keeps content (each version's, and the parts until the commit), so that
 * a commit's Digest is checked against the bytes it assembles, hits included.
 */
import { createHash, randomBytes } from "node:crypto";
import { readJson } from "./body";
import { Content } from "./content";
import { badRequest, notFound } from "./errors";
import type { StoredPart } from "./sessions";

export interface UploadPlanOptions {
  hits?: "commit" | "listed" | "refused";
  /** Whether the server has the plan endpoint at all (default true). */
  endpoint?: boolean;
}

/**
 * The digests of a version's parts, by `offset:size`, kept with its content as Box keeps the
 * hashes of what it stores: a plan is answered from them, not by hashing the version again on
 * every call (that took this machine's second core away from the client being measured).
 */
const digests = new WeakMap<Content, Map<string, { sha512: string; sha1?: string }>>();

function digestsOf(content: Content, offset: number, size: number): { sha512: string; sha1?: string } {
  let known = digests.get(content);
  if (!known) digests.set(content, (known = new Map()));
  const key = `${offset}:${size}`;
  let found = known.get(key);
  if (!found) known.set(key, (found = { sha512: createHash("sha512").update(content.slice(offset, size)).digest("hex") }));
  return found;
}

export interface PlannedSession {
  fileSize: number;
  parts: Map<number, StoredPart>;
  /** Hits given by plans, by offset (with their bytes, from the version they were found in). */
  hits: Map<number, StoredPart>;
}

/** `POST /files/upload_sessions/{id}/plan` against `current` (the version's content; none for a new file). */
export async function answerPlan(req: Parameters<typeof readJson>[0], s: PlannedSession & { id: string }, current: Content | undefined, opts: UploadPlanOptions) {
  if (opts.endpoint === false) throw notFound("no such endpoint");
  const body = await readJson(req);
  const parts = body.parts;
  if (!Array.isArray(parts) || parts.length === 0) throw badRequest("parts must be a non-empty array");
  const hits = [];
  const misses = [];
  for (const p of parts as Record<string, unknown>[]) {
    const { offset, size, sha512: digest } = p;
    if (typeof offset !== "number" || typeof size !== "number" || typeof digest !== "string" || offset < 0 || size < 1 || offset + size > s.fileSize) {
      throw badRequest("each part needs offset, size and sha512 within the file");
    }
    const known = current && offset + size <= current.size ? digestsOf(current, offset, size) : undefined;
    if (known && known.sha512 === digest) {
      // A version's content is never changed once stored: the hit's bytes are a view of it.
      const data = current!.slice(offset, size);
      // Known when the version arrived in parts of this size (checked then), as Box knows it; hashing
      // it here took 0.28 s of this machine's CPU per 512 MiB of hits, beside the client measured.
      known.sha1 ??= current!.knownSha1(offset, size) ?? createHash("sha1").update(data).digest("hex");
      const part: StoredPart = { part_id: randomBytes(4).toString("hex").toUpperCase(), offset, size, sha1: known.sha1, data };
      s.hits.set(offset, part);
      hits.push({ offset, size, sha512: digest, part_id: part.part_id });
    } else misses.push({ offset, size, sha512: digest });
  }
  return { status: 200, body: { upload_session_id: s.id, hits, misses } };
}

/**
 * Whether a commit's parts list fits the session in the server's way of taking hits, and the
 * file's bytes if it does (uploaded parts and hits, in order; undefined when they do not cover it).
 */
export function assemble(s: PlannedSession & { totalParts: number }, listed: Record<string, unknown>[], mode: UploadPlanOptions["hits"]): Content | undefined {
  const named = new Map<number, StoredPart>();
  for (const p of listed) {
    const offset = p.offset as number;
    const uploaded = s.parts.get(offset);
    const hit = s.hits.get(offset);
    const match = (q: StoredPart | undefined) => q !== undefined && p.part_id === q.part_id && p.size === q.size && (p.sha1 === undefined || p.sha1 === q.sha1);
    if (match(uploaded)) named.set(offset, uploaded!);
    else if (match(hit) && mode !== "refused") named.set(offset, hit!);
    else return undefined;
  }
  // Refused: the commit names what was uploaded; the hits are the session's own.
  if (mode === "refused") {
    if (named.size !== s.parts.size) return undefined;
    for (const [offset, hit] of s.hits) if (!named.has(offset)) named.set(offset, hit);
  }
  const ordered = [...named.values()].sort((a, b) => a.offset - b.offset);
  if (ordered.length !== s.totalParts) return undefined;
  let at = 0;
  for (const p of ordered) {
    if (p.offset !== at || !p.data) return undefined;
    at += p.size;
  }
  return at === s.fileSize ? new Content(
        ordered.map((p) => p.data!),
        ordered.map((p) => p.sha1),
      ) : undefined;
}
