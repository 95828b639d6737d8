/**
 * Box's chunked upload routes: open a session (new file or new version), upload parts, list
 * them, read the session, abort, commit. The rules Box documents: minimum size, server-chosen
 * part size, aligned Content-Range, per-part and whole-file SHA-1, commit by parts list, 202 while
 * processing, if-match / if-none-match on commit, name clashes, expiry.
 */
import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { components } from "../../../generated/box-chunked-uploads";
import { sha1 } from "../sha1";
import { parseContentRange, parseDigestHeader } from "../wire";
import { intParam, readBody, readJson } from "./body";
import { contentTimes } from "./files";
import { answerPlan, assemble } from "./plan";
import { badRequest, HttpError, notFound } from "./errors";
import type { Handlers, ResolvedOptions } from "./options";
import { filesBody } from "./representation";
import { checkItemName, type BoxState, type StoredFile } from "./state";

type UploadSession = components["schemas"]["UploadSession"];
type UploadPart = components["schemas"]["UploadPart"];

export interface StoredPart {
  part_id: string;
  offset: number;
  size: number;
  sha1: string;
  /** Held only until the whole-file hash has consumed it (parts may arrive out of order). */
  data?: Buffer;
}

export interface Session {
  id: string;
  fileSize: number;
  partSize: number;
  totalParts: number;
  fileName: string | undefined;
  target: { kind: "new"; folderId: string } | { kind: "version"; fileId: string };
  parts: Map<number, StoredPart>;
  /** Parts an upload plan found in the file's current version (uploadPlan option), by offset. */
  hits: Map<number, StoredPart>;
  /** When the request that opened it arrived (ms since the epoch). */
  createdAt: number;
  expiresAt: number;
  state: "open" | "committed" | "aborted";
  processingLeft: number;
  /** Whole-file SHA-1 fed in file order as the gap-free prefix of parts grows, so the server
   * holds only out-of-order parts in memory, not the file. */
  whole: ReturnType<typeof createHash>;
  hashedUpTo: number;
  wholeSha1?: string;
}

export interface SessionDeps {
  state: BoxState;
  sessions: Map<string, Session>;
  opts: ResolvedOptions;
  /** The upload base URL, for session_endpoints. */
  baseUrl: () => string;
}

type SessionRoutes = "createSessionNewFile" | "createSessionExistingFile" | "getSession" | "uploadPart" | "abortSession" | "listParts" | "commit" | "planSession";

export function sessionRoutes(d: SessionDeps): Pick<Handlers, SessionRoutes> {
  const { state, sessions, opts } = d;

  function open(fileSize: unknown, fileName: string | undefined, target: Session["target"], at: number) {
    if (typeof fileSize !== "number" || !Number.isSafeInteger(fileSize) || fileSize < 0) {
      throw badRequest("file_size must be a non-negative integer", fileSize === undefined ? "missing_file_size" : "invalid_file_size");
    }
    if (fileSize < opts.minFileSize) {
      throw new HttpError(400, "file_size_too_small", `File size is less than minimum allowed for this API (${opts.minFileSize} bytes)`, {}, {
        message: "Use the regular upload endpoint for small files",
      });
    }
    const partSize = opts.partSizeFor(fileSize);
    const patchedId = opts.sessionPatch?.id;
    const s: Session = {
      id: typeof patchedId === "string" ? patchedId : randomBytes(16).toString("hex").toUpperCase(),
      fileSize,
      partSize,
      totalParts: Math.ceil(fileSize / partSize),
      fileName,
      target,
      parts: new Map(),
      hits: new Map(),
      createdAt: at,
      expiresAt: Date.now() + opts.sessionTtlMs,
      state: "open",
      processingLeft: opts.processingCommits,
      whole: createHash("sha1"),
      hashedUpTo: 0,
    };
    sessions.set(s.id, s);
    return { status: 201, body: sessionBody(s) };
  }

  function sessionBody(s: Session): UploadSession {
    const at = `${opts.sessionEndpointsBaseUrl ?? d.baseUrl()}/files/upload_sessions/${s.id}`;
    return {
      id: s.id,
      type: "upload_session",
      session_expires_at: new Date(s.expiresAt).toISOString(),
      part_size: s.partSize,
      total_parts: s.totalParts,
      num_parts_processed: s.parts.size,
      session_endpoints: {
        upload_part: at,
        commit: `${at}/commit`,
        abort: at,
        list_parts: `${at}/parts`,
        status: at,
        log_event: `${at}/log`,
        ...(opts.uploadPlan && opts.uploadPlan.endpoint !== false ? { plan: `${at}/plan` } : {}),
      },
      ...(opts.sessionPatch as Partial<UploadSession> | undefined),
    };
  }

  function session(id: string): Session {
    const s = sessions.get(id);
    if (!s || s.state !== "open") throw notFound(`upload session ${id} not found`);
    if (Date.now() > s.expiresAt) throw notFound(`upload session ${id} has expired`, "session_expired");
    return s;
  }

  return {
    async createSessionNewFile({ req, at }) {
      const body = await readJson(req);
      const folderId = body.folder_id;
      if (typeof folderId !== "string") throw badRequest("folder_id must be a string", "invalid_folder_id");
      const fileName = checkItemName(body.file_name, "file_name");
      state.folder(folderId);
      state.checkNameFree(folderId, fileName);
      return open(body.file_size, fileName, { kind: "new", folderId }, at);
    },
    async createSessionExistingFile({ req, fileId, at }) {
      const body = await readJson(req);
      const file = state.file(fileId!);
      const name = body.file_name === undefined ? undefined : checkItemName(body.file_name, "file_name");
      if (name !== undefined) state.checkNameFree(file.folderId, name, file);
      return open(body.file_size, name, { kind: "version", fileId: file.id }, at);
    },
    async getSession({ sessionId }) {
      return { status: 200, body: sessionBody(session(sessionId!)) };
    },
    async abortSession({ sessionId }) {
      const s = session(sessionId!);
      s.state = "aborted";
      s.parts.clear();
      return { status: 204 };
    },
    async listParts({ url, sessionId }) {
      const s = session(sessionId!);
      const offset = intParam(url, "offset", 0);
      const limit = Math.min(intParam(url, "limit", 100), 1000);
      // A server that shows planned hits in list parts lists them as parts of the session.
      const shown = opts.uploadPlan?.hits === "listed" ? [...s.parts.values(), ...[...s.hits.values()].filter((h) => !s.parts.has(h.offset))] : [...s.parts.values()];
      const all = shown.sort((a, b) => a.offset - b.offset).map(publicPart);
      return { status: 200, body: { total_count: all.length, offset, limit, entries: all.slice(offset, offset + limit) } };
    },
    async uploadPart({ req, sessionId }) {
      return uploadPart(req, session(sessionId!), opts.bytesPerSecond, opts.uploadPlan !== undefined);
    },
    async planSession({ req, sessionId }) {
      if (!opts.uploadPlan) throw notFound("no such endpoint");
      const s = session(sessionId!);
      const current = s.target.kind === "version" ? state.files.get(s.target.fileId)?.versions.at(-1)?.content : undefined;
      return answerPlan(req, s, current, opts.uploadPlan);
    },
    async commit({ req, sessionId }) {
      const s = session(sessionId!);
      const body = await readJson(req);
      const wantSha1 = parseDigestHeader(req.headers.digest as string | undefined);
      if (!wantSha1) throw badRequest("Digest header must be sha=<base64 SHA-1>");
      // With plans, the file is assembled from what the commit names (hits included) and checked whole.
      const assembled = opts.uploadPlan ? (Array.isArray(body.parts) ? assemble(s, body.parts as Record<string, unknown>[], opts.uploadPlan.hits) : undefined) : undefined;
      if (opts.uploadPlan ? !assembled : !partsListMatches(s, body.parts)) {
        throw badRequest("the parts list does not match the parts uploaded to this session", "parts_mismatch");
      }
      const attributes = body.attributes;
      if (attributes !== undefined && (attributes === null || typeof attributes !== "object" || Array.isArray(attributes))) throw badRequest("attributes must be an object");
      const times = contentTimes((attributes ?? {}) as Record<string, unknown>);
      const file = s.target.kind === "version" ? state.files.get(s.target.fileId) : undefined;
      checkPreconditions(req, file);
      if (s.processingLeft > 0) {
        s.processingLeft--;
        return { status: 202, headers: { "retry-after": String(opts.retryAfterSeconds) } };
      }
      const wholeSha1 = assembled ? assembled.sha1() : s.wholeSha1!;
      if (wholeSha1 !== wantSha1) throw badRequest("the uploaded file does not match the commit's Digest", "sha1_mismatch");
      const target = Object.assign(commitTarget(state, s, file), times);
      state.addVersion(target, { sha1: wholeSha1, size: s.fileSize, sessionId: s.id, ...(assembled ? { content: assembled } : {}) });
      s.hits.clear();
      s.state = "committed";
      s.parts.clear();
      return { status: 201, body: filesBody(state, target) };
    },
  };
}

async function uploadPart(req: IncomingMessage, s: Session, bytesPerSecond: number | undefined, keep: boolean) {
  const rangeHeader = String(req.headers["content-range"] ?? "");
  const range = parseContentRange(rangeHeader);
  if (!range || range.total !== s.fileSize || range.offset % s.partSize !== 0 || range.size !== Math.min(s.partSize, s.fileSize - range.offset)) {
    throw new HttpError(416, "range_not_satisfiable", `Content-Range ${JSON.stringify(rangeHeader)} does not fit the session's parts (part_size ${s.partSize}, last part ${s.totalParts - 1})`);
  }
  const expected = parseDigestHeader(req.headers.digest as string | undefined);
  if (!expected) throw badRequest("Digest header must be sha=<base64 SHA-1>");
  const data = await readBody(req, range.size + 1, bytesPerSecond);
  if (data.byteLength !== range.size) throw badRequest(`body has ${data.byteLength} bytes, Content-Range says ${range.size}`);
  const partSha1 = sha1(data);
  if (partSha1 !== expected) throw new HttpError(412, "sha1_mismatch", "part body does not match its Digest");
  const existing = s.parts.get(range.offset);
  if (existing) {
    if (existing.sha1 !== partSha1) throw new HttpError(409, "conflict", `a different part is stored at offset ${range.offset}`);
    return { status: 200, body: { part: publicPart(existing) } };
  }
  const part: StoredPart = { part_id: randomBytes(4).toString("hex").toUpperCase(), offset: range.offset, size: range.size, sha1: partSha1, data };
  s.parts.set(range.offset, part);
  // A part sent where a plan found a hit takes its place.
  s.hits.delete(range.offset);
  // With plans the bytes stay until the commit assembles them; else they are hashed in order and dropped.
  if (keep) return { status: 200, body: { part: publicPart(part) } };
  for (let next = s.parts.get(s.hashedUpTo); next?.data; next = s.parts.get(s.hashedUpTo)) {
    s.whole.update(next.data);
    delete next.data;
    s.hashedUpTo += next.size;
  }
  if (s.hashedUpTo === s.fileSize && s.wholeSha1 === undefined) s.wholeSha1 = s.whole.digest("hex");
  return { status: 200, body: { part: publicPart(part) } };
}

/** True when `listed` names every stored part, in order, as uploaded (sha1 may be left out). */
function partsListMatches(s: Session, listed: unknown): boolean {
  if (!Array.isArray(listed)) throw badRequest("parts must be an array");
  const stored = [...s.parts.values()].sort((a, b) => a.offset - b.offset);
  return (
    stored.length === s.totalParts &&
    listed.length === stored.length &&
    listed.every((p: Record<string, unknown>, i: number) => {
      const q = stored[i]!;
      return p.part_id === q.part_id && p.offset === q.offset && p.size === q.size && (p.sha1 === undefined || p.sha1 === q.sha1);
    })
  );
}

function checkPreconditions(req: IncomingMessage, file: StoredFile | undefined): void {
  const ifMatch = req.headers["if-match"];
  if (ifMatch !== undefined && (!file || String(file.etag) !== ifMatch)) {
    throw new HttpError(412, "precondition_failed", "the file's etag does not match If-Match");
  }
  const ifNoneMatch = req.headers["if-none-match"];
  if (ifNoneMatch !== undefined && file && String(file.etag) === ifNoneMatch) {
    throw new HttpError(412, "precondition_failed", "the file's etag matches If-None-Match");
  }
}

/** The file a commit stores its version in: the session's file, or a new one (names checked again). */
function commitTarget(state: BoxState, s: Session, file: StoredFile | undefined): StoredFile {
  if (file) {
    if (s.fileName) state.rename(file, s.fileName);
    return file;
  }
  if (s.target.kind === "version") throw notFound("the file was deleted");
  state.checkNameFree(s.target.folderId, s.fileName!);
  return state.createFile(s.target.folderId, s.fileName!);
}

function publicPart(p: StoredPart): UploadPart {
  return { part_id: p.part_id, offset: p.offset, size: p.size, sha1: p.sha1 };
}
