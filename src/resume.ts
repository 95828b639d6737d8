/**
 * The resume state file: enough to find the session again after a crash and to be sure the source
 * is still the same bytes. Written atomically (temp file, fsync, rename), mode 0600, never holding
 * a token.
 */
import { createHash } from "node:crypto";
import { open, readFile, rename, rm } from "node:fs/promises";
import { BoxInputError } from "./errors";
import type { UploadPart } from "./client";
import type { PartReader } from "./source";

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

const EDGE = 64 * 1024;

export async function identify(reader: PartReader): Promise<SourceIdentity> {
  const id: SourceIdentity = { size: reader.size };
  if (reader.fileIdentity) {
    id.path = reader.fileIdentity.path;
    id.mtimeMs = reader.fileIdentity.mtimeMs;
  }
  if (reader.seekable) {
    const hash = createHash("sha1").update(String(reader.size));
    const head = Math.min(EDGE, reader.size);
    hash.update(await reader.read({ index: -1, offset: 0, size: head }));
    const tailOffset = Math.max(head, reader.size - EDGE);
    if (tailOffset < reader.size) {
      hash.update(await reader.read({ index: -1, offset: tailOffset, size: reader.size - tailOffset }));
    }
    id.fingerprint = hash.digest("hex");
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

export class ResumeStore {
  /** Saves run one after another, so a slow fsync cannot interleave two writes. */
  private queue: Promise<void> = Promise.resolve();
  private writes = 0;

  constructor(readonly path: string) {
    if (typeof path !== "string" || path.length === 0) {
      throw new BoxInputError("options.resume.path", "must be a non-empty file path");
    }
  }

  async load(): Promise<ResumeState | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    let state: ResumeState;
    try {
      state = JSON.parse(text);
    } catch {
      throw new BoxInputError("options.resume.path", `${this.path} is not a resume state file (invalid JSON)`);
    }
    if (state?.version !== 1 || typeof state.sessionId !== "string" || !Array.isArray(state.parts)) {
      throw new BoxInputError("options.resume.path", `${this.path} is not a resume state file of this version`);
    }
    return state;
  }

  save(state: ResumeState): Promise<void> {
    const text = JSON.stringify({ ...state, updatedAt: new Date().toISOString() }, null, 1);
    const tmp = `${this.path}.${process.pid}.${++this.writes}.tmp`;
    const write = async () => {
      const handle = await open(tmp, "w", 0o600);
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.path);
    };
    const done = this.queue.then(write);
    this.queue = done.catch(() => undefined);
    return done;
  }

  async remove(): Promise<void> {
    await this.queue;
    await rm(this.path, { force: true });
  }
}
