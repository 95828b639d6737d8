/**
 * What the upload machinery takes: one file's upload with everything decided. The settings a run
 * shares are resolved once (a single upload is a run of one file; a folder sync resolves them
 * once for every file), the source is opened once, and the resume record is claimed and checked
 * once, by whoever starts the upload (upload/start.ts for one call, sync/transfer.ts for a tree).
 * Nothing below checks, opens or resolves any of it again.
 */
import type { ContentTimes } from "../api/types";
import type { RunSettings, UploadProgress } from "./options";
import type { ResumeState, SourceIdentity, StateStore, UploadTarget } from "./resume";
import type { PartReader } from "./sources";

/** A resume record claimed for one upload: its store (held until the upload ends), and what it said. */
export interface ResumeSlot {
  store: StateStore;
  /** The source as it is now (size, mtime, fingerprint), recorded with a new session. */
  identity: SourceIdentity;
  /** The recorded upload to continue, already checked against the target and the source; undefined to start afresh. */
  previous: ResumeState | undefined;
}

export interface UploadJob {
  target: UploadTarget;
  /** Opened, its size known; closed by whoever opened it. */
  source: PartReader;
  run: RunSettings;
  signal: AbortSignal | undefined;
  onProgress: ((progress: UploadProgress) => void) | undefined;
  /** New versions only: the name to commit under. */
  fileName: string | undefined;
  /** New versions only: commit only while the file's etag is this. */
  ifMatch: string | undefined;
  /** False when the caller has just listed the folder and found the name free (a race still ends in a 409). */
  preflight: boolean;
  /** Chunked uploads only; a direct upload has nothing to resume. */
  resume: ResumeSlot | undefined;
  /** The source's SHA-1 when the caller already read it whole (a sync comparing with Box's copy). */
  sha1: string | undefined;
  /** The content times Box keeps with the file (options.ts `contentTimes`). */
  times: ContentTimes;
}
