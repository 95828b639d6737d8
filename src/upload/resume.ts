/**
 * Resume state: enough to find the session again after a crash and to be sure the source is still
 * the same bytes, never holding a token. Where it is kept is the platform's (a file in Node).
 */
import type { UploadPart } from "../api/boxApi";
import type { Sha1Factory } from "../core/digest";
import { BoxInputError, SourceChangedError } from "../core/errors";
import { isSessionId, isSha1Hex, isSha512Hex } from "../core/validate";
import type { PartReader } from "./sources";

export type UploadTarget = { kind: "version"; fileId: string } | { kind: "new"; folderId: string; fileName: string };

export interface SourceIdentity {
  size: number;
  /** For files: where and when it was last modified. */
  path?: string;
  mtimeMs?: number;
  /** SHA-1 of the size and the first and last 64 KiB (seekable sources only). */
  fingerprint?: string;
}

/** A plan's hit as a resume record keeps it: what the commit names, and the digest that checks the bytes again. */
export type KeptHit = UploadPart & { sha512?: string };

export interface ResumeState {
  version: 1;
  sessionId: string;
  /** Base URL the session's endpoints live under, when it is not the client's own. */
  sessionBaseUrl?: string;
  target: UploadTarget;
  partSize: number;
  totalParts: number;
  source: SourceIdentity;
  /** Parts the server acknowledged, as of the last write (a record for people; the server's list is what counts). */
  parts: UploadPart[];
  /**
   * Parts the upload plan said Box holds, so a rerun need not plan them again: part_id, offset,
   * size, and the SHA-512 they were found by (a record written before that kept our SHA-1 instead).
   */
  planned?: KeptHit[];
  /** Set just before the first commit is sent: from then on the commit may have happened. */
  commitSha1?: string;
  updatedAt: string;
}

/** Where one upload's state is kept. Saves run one after another; a missing state loads as undefined. */
export interface StateStore {
  /** Names the store in messages (a file path). */
  readonly path: string;
  /** Claims the state for this run (one process at a time); fails before any request when it cannot. */
  acquire(): Promise<void>;
  release(): Promise<void>;
  load(): Promise<unknown>;
  save(state: ResumeState): Promise<void>;
  remove(): Promise<void>;
}

const EDGE = 64 * 1024;

export async function identify(reader: PartReader, sha1: Sha1Factory): Promise<SourceIdentity> {
  const id: SourceIdentity = { size: reader.size };
  if (reader.fileIdentity) {
    id.path = reader.fileIdentity.path;
    id.mtimeMs = reader.fileIdentity.mtimeMs;
  }
  if (reader.seekable) {
    const head = Math.min(EDGE, reader.size);
    const tailOffset = Math.max(head, reader.size - EDGE);
    const pieces = [await reader.read({ index: -1, offset: 0, size: head })];
    if (tailOffset < reader.size) pieces.push(await reader.read({ index: -1, offset: tailOffset, size: reader.size - tailOffset }));
    const hash = sha1();
    hash.update(new TextEncoder().encode(String(reader.size)));
    for (const piece of pieces) hash.update(piece);
    id.fingerprint = hash.hex();
  }
  return id;
}

/** Why `now` cannot continue an upload recorded as `then`, or undefined when it can. */
export function sourceMismatch(then: SourceIdentity, now: SourceIdentity): string | undefined {
  if (then.size !== now.size) return `size was ${then.size}, is ${now.size}`;
  if (then.mtimeMs !== undefined && now.mtimeMs !== undefined && then.mtimeMs !== now.mtimeMs) {
    return "modification time changed";
  }
  if (then.fingerprint !== undefined && now.fingerprint !== undefined && then.fingerprint !== now.fingerprint) {
    return "content changed";
  }
  return undefined;
}

export function sameTarget(a: UploadTarget, b: UploadTarget): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const isCount = (v: unknown, min: number) => typeof v === "number" && Number.isSafeInteger(v) && v >= min;
const isText = (v: unknown) => typeof v === "string" && v.length > 0;

function validTarget(t: unknown): t is UploadTarget {
  const o = t as Record<string, unknown> | null;
  if (o?.kind === "version") return isText(o.fileId);
  return o?.kind === "new" && isText(o.folderId) && isText(o.fileName);
}

function validSource(v: unknown): v is SourceIdentity {
  const o = v as Record<string, unknown> | null;
  return (
    isCount(o?.size, 0) &&
    (o!.path === undefined || isText(o!.path)) &&
    (o!.mtimeMs === undefined || typeof o!.mtimeMs === "number") &&
    (o!.fingerprint === undefined || isSha1Hex(o!.fingerprint))
  );
}

function validHit(v: unknown): boolean {
  const h = v as Record<string, unknown> | null;
  return (
    isText(h?.part_id) &&
    isCount(h!.offset, 0) &&
    isCount(h!.size, 1) &&
    (h!.sha1 === undefined || isSha1Hex(h!.sha1)) &&
    (h!.sha512 === undefined || isSha512Hex(h!.sha512)) &&
    // Without a digest a kept hit could not be checked against the bytes read again.
    (h!.sha1 !== undefined || h!.sha512 !== undefined)
  );
}

/** Checks every field of what a store loaded: a state of this version, or a typed error naming the store. */
export function parseState(raw: unknown, path: string): ResumeState | undefined {
  if (raw === undefined) return undefined;
  const s = raw as Record<string, unknown> | null;
  const problem =
    s === null || typeof s !== "object" || s.version !== 1 ? "not a resume state file of this version"
    : !isSessionId(s.sessionId) ? "sessionId is missing or malformed"
    : s.sessionBaseUrl !== undefined && !isText(s.sessionBaseUrl) ? "sessionBaseUrl is malformed"
    : !validTarget(s.target) ? "target is missing or malformed"
    : !isCount(s.partSize, 1) || !isCount(s.totalParts, 1) ? "partSize or totalParts is missing or malformed"
    : !validSource(s.source) ? "source is missing or malformed"
    : !Array.isArray(s.parts) ? "parts is missing"
    : s.planned !== undefined && !(Array.isArray(s.planned) && s.planned.every(validHit)) ? "planned is malformed"
    : s.commitSha1 !== undefined && !isSha1Hex(s.commitSha1) ? "commitSha1 is malformed"
    : undefined;
  if (problem) throw new BoxInputError("options.resume.path", `${path}: ${problem}; delete it to start over`);
  return s as unknown as ResumeState;
}

/**
 * What a claimed store says about an upload of `reader` to `target`: the state to continue, or why
 * it cannot continue it (another target, another source), for the caller to decide: one upload
 * refuses to start, a folder sync starts that file afresh. A store it cannot read or parse throws.
 */
export async function examineResume(
  store: StateStore,
  reader: PartReader,
  target: UploadTarget,
  sha1: Sha1Factory,
): Promise<{ identity: SourceIdentity; previous?: ResumeState; refusal?: Error }> {
  const identity = await identify(reader, sha1);
  const previous = parseState(await store.load(), store.path);
  if (!previous) return { identity };
  if (!sameTarget(previous.target, target)) {
    return { identity, refusal: new BoxInputError("options.resume.path", `${store.path} records an upload to a different target`) };
  }
  const why = sourceMismatch(previous.source, identity);
  if (why) {
    return { identity, refusal: new SourceChangedError(`the source is not the one ${store.path} was recorded for (${why}); delete the state file to start over`) };
  }
  return { identity, previous };
}
