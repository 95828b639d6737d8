/**
 * Resume state: enough to find the session again after a crash and to be sure the source is still
 * the same bytes, never holding a token. Where it is kept is the platform's (a file in Node).
 */
import type { UploadPart } from "../api/boxApi";
import type { Sha1Factory } from "../core/digest";
import { BoxInputError } from "../core/errors";
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
  /** Set just before the first commit is sent: from then on the commit may have happened. */
  commitSha1?: string;
  updatedAt: string;
}

/** Where one upload's state is kept. Saves run one after another; a missing state loads as undefined. */
export interface StateStore {
  /** Names the store in messages (a file path). */
  readonly path: string;
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

/** Checks what a store loaded: a state of this version, or a typed error naming the store. */
export function parseState(raw: unknown, path: string): ResumeState | undefined {
  if (raw === undefined) return undefined;
  const s = raw as Partial<ResumeState> | null;
  if (s?.version !== 1 || typeof s.sessionId !== "string" || !Array.isArray(s.parts)) {
    throw new BoxInputError("options.resume.path", `${path} is not a resume state file of this version`);
  }
  return s as ResumeState;
}
