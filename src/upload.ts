/**
 * The uploader: one session, parts read in file order and sent `concurrency` at a time, each
 * with its Digest and exact Content-Range, each acknowledgement checked against what was sent,
 * then a commit with the whole-file SHA-1 that waits out 202s. Memory: `concurrency` recycled
 * part buffers (the part being read takes a free slot); the whole-file hash holds no file data.
 */
import type { BoxFile, BoxUploadClient, CallOptions, UploadPart, UploadSession } from "./client";

import { sha1Hex, WholeFileSha1 } from "./digest";
import {
  BoxApiError,
  BoxInputError,
  BoxProtocolError,
  CommitUncertainError,
  SourceChangedError,
  UploadAbortedError,
} from "./errors";
import { planParts, type PartRange } from "./partPlan";
import {
  identify,
  ResumeStore,
  sameTarget,
  sourceMismatch,
  type ResumeState,
  type SourceIdentity,
  type UploadTarget,
} from "./resume";
import { backoff, mayHaveSucceeded, retryPolicy, withRetry, type RetryOptions, type RetryPolicy } from "./retry";
import { openSource, type PartReader, type UploadSource } from "./source";
import { checkByteCount, checkFileName, checkIntInRange, checkOptionalString, checkOptionsObject } from "./validate";
import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Parts in flight by default. Measured on 256 MiB shaped like a link to Box (40 MB/s per request,
 * 50 ms latency): 1 -> 29 MB/s, 4 -> 105, 8 -> 182, 16 -> 242. Past 8 each doubling buys ~30%
 * for twice the part buffers, so 8 it is; raise it on fat pipes, lower it on small machines.
 */
export const DEFAULT_CONCURRENCY = 8;
export const MAX_CONCURRENCY = 64;

export interface UploadProgress {
  sessionId: string;
  /** Bytes the server has acknowledged (parts stored). Never decreases, never exceeds totalBytes. */
  bytesUploaded: number;
  totalBytes: number;
  partsUploaded: number;
  totalParts: number;
}

export interface UploadOptions {
  /** Size of the source in bytes. Required for streams; checked against files, buffers and blobs. */
  size?: number;
  /** New versions only: rename the file on commit. */
  fileName?: string;
  /** Parts in flight, 1..64. Default {@link DEFAULT_CONCURRENCY}. */
  concurrency?: number;
  onProgress?: (progress: UploadProgress) => void;
  /**
   * Stops the upload at once (requests in flight are cancelled, a pending read is dropped), aborts
   * the session (unless resuming) and rejects with UploadAbortedError, or with CommitUncertainError
   * if a commit had already been sent.
   */
  signal?: AbortSignal;
  /** New versions only: commit only if the file's etag still matches. */
  ifMatch?: string;
  /** How failed requests are retried; see {@link RetryOptions}. */
  retry?: RetryOptions;
  /** Longest total wait for Box to finish processing a commit (202 answers). Default 15 minutes. */
  commitWaitMs?: number;
  /**
   * Record progress in a state file so a later run (after a crash, kill -9 included) continues the
   * same session. On failure the session is kept for that run; on success the file is removed.
   */
  resume?: { path: string };
}

interface Settings {
  size: number | undefined;
  fileName: string | undefined;
  concurrency: number;
  onProgress: ((p: UploadProgress) => void) | undefined;
  signal: AbortSignal | undefined;
  ifMatch: string | undefined;
  retry: RetryPolicy;
  commitWaitMs: number;
  resume: ResumeStore | undefined;
}

/** Retry-After values beyond this are clamped: a commit still gets asked again within a minute. */
const MAX_COMMIT_WAIT_STEP = 60_000;
/** ...and below this, so a `Retry-After: 0` does not become a tight loop. */
const MIN_COMMIT_WAIT_STEP = 500;
/** How often a `parts_mismatch` is checked and retried when every part is in fact stored. */
const MAX_MISMATCH_RETRIES = 5;
/** How often an upload starts over with a new session when its session vanished mid-way. */
const MAX_SESSION_RESTARTS = 1;
/** Resume state is rewritten at most this often while parts complete. */
const STATE_WRITE_INTERVAL_MS = 1000;

function settings(raw: unknown, target: UploadTarget): Settings {
  const o = checkOptionsObject<UploadOptions>("options", raw);
  if (target.kind === "new" && o.fileName !== undefined) {
    throw new BoxInputError("options.fileName", "is for new versions; a new file takes its name as an argument");
  }
  if (target.kind === "new" && o.ifMatch !== undefined) {
    throw new BoxInputError("options.ifMatch", "applies to new versions of existing files only");
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== "function") {
    throw new BoxInputError("options.onProgress", "must be a function");
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw new BoxInputError("options.signal", "must be an AbortSignal");
  }
  const resume = o.resume === undefined ? undefined : checkOptionsObject<{ path: string }>("options.resume", o.resume);
  return {
    size: o.size === undefined ? undefined : checkByteCount("options.size", o.size),
    fileName: o.fileName === undefined ? undefined : checkFileName("options.fileName", o.fileName),
    concurrency: o.concurrency === undefined ? DEFAULT_CONCURRENCY : checkIntInRange("options.concurrency", o.concurrency, 1, MAX_CONCURRENCY),
    onProgress: o.onProgress,
    signal: o.signal,
    ifMatch: checkOptionalString("options.ifMatch", o.ifMatch),
    retry: retryPolicy(o.retry),
    commitWaitMs: o.commitWaitMs === undefined ? 15 * 60_000 : checkByteCount("options.commitWaitMs", o.commitWaitMs, 0),
    resume: resume ? new ResumeStore(resume.path as string) : undefined,
  };
}

/** Everything one run of the upload needs, and the state it builds up. */
class UploadRun {
  private sessionId = "";
  private call: CallOptions = {};
  private plan: PartRange[] = [];
  private acked: (UploadPart | undefined)[] = [];
  private ackedBytes = 0;
  private ackedParts = 0;
  private state: ResumeState | undefined;
  private lastStateWrite = 0;
  /** Bytes in the last progress event; -1 before the first. */
  private reportedBytes = -1;
  /** Set once a commit may have been applied by Box (see commit()). */
  private commitMayBeApplied = false;

  constructor(
    private readonly client: BoxUploadClient,
    private readonly target: UploadTarget,
    private readonly reader: PartReader,
    private readonly s: Settings,
  ) {}

  async run(): Promise<BoxFile> {
    const { s } = this;
    const identity = s.resume ? await identify(this.reader) : undefined;
    let stored = new Map<number, UploadPart>();
    if (s.resume) {
      const previous = await s.resume.load();
      if (previous) stored = await this.reattach(previous, identity!);
    }
    if (!this.sessionId) await this.openSession(identity);

    for (let restarts = 0; ; restarts++) {
      try {
        const sha1 = await this.uploadParts(stored);
        return await this.commit(sha1);
      } catch (err) {
        // A session that expired or vanished mid-way: start over once, if we can read the source again.
        const gone = err instanceof BoxApiError && err.status === 404 && !this.commitMayBeApplied;
        if (!gone || restarts >= MAX_SESSION_RESTARTS || !this.reader.seekable) throw err;
        stored = new Map();
        await this.openSession(identity);
      }
    }
  }

  /** Picks up the session a state file names, if it still exists and the source is unchanged. */
  private async reattach(previous: ResumeState, identity: SourceIdentity): Promise<Map<number, UploadPart>> {
    if (!sameTarget(previous.target, this.target)) {
      throw new BoxInputError("options.resume.path", `${this.s.resume!.path} records an upload to a different target`);
    }
    const why = sourceMismatch(previous.source, identity);
    if (why) {
      throw new SourceChangedError(`the source is not the one ${this.s.resume!.path} was recorded for (${why}); delete the state file to start over`);
    }
    const call: CallOptions = previous.sessionBaseUrl ? { baseUrl: previous.sessionBaseUrl } : {};
    let session: UploadSession;
    try {
      session = await this.retried((o) => this.client.getUploadSession(previous.sessionId, o), call);
    } catch (err) {
      if (err instanceof BoxApiError && err.status === 404) {
        // Gone after a commit was sent: it most likely went through, and uploading again could
        // make a second version. Gone otherwise (expired, aborted): start cleanly.
        if (previous.commitSha1) throw new CommitUncertainError(previous.sessionId, previous.commitSha1, { cause: err });
        await this.s.resume!.remove();
        return new Map();
      }
      throw err;
    }
    if (session.part_size !== previous.partSize) {
      throw new BoxProtocolError(`session ${previous.sessionId} now has part_size ${session.part_size}, the state file says ${previous.partSize}`);
    }
    this.adopt(session, call);
    this.state = previous;
    const parts = await this.retried((o) => this.client.listAllUploadedParts(this.sessionId, o), call);
    return new Map(parts.map((p) => [p.offset ?? -1, p]));
  }

  private async openSession(identity: SourceIdentity | undefined): Promise<void> {
    const { client, target, s, reader } = this;
    // Retrying a create that may have reached Box can leave an orphan session; that is harmless
    // (it never commits, and expires), unlike giving up on a multi-gigabyte upload over one 503.
    const session = await this.retried(
      (o) =>
        target.kind === "version"
          ? client.createUploadSessionForExistingFile(target.fileId, { fileSize: reader.size, ...(s.fileName ? { fileName: s.fileName } : {}) }, o)
          : client.createUploadSession(target.folderId, { fileSize: reader.size, fileName: target.fileName }, o),
      {},
    );
    this.adopt(session, this.sessionCall(session));
    if (s.resume && identity) {
      this.state = {
        version: 1,
        sessionId: this.sessionId,
        ...(this.call.baseUrl ? { sessionBaseUrl: this.call.baseUrl } : {}),
        target,
        partSize: session.part_size!,
        totalParts: session.total_parts!,
        source: identity,
        parts: [],
        updatedAt: "",
      };
      await s.resume.save(this.state);
    }
  }

  private adopt(session: UploadSession, call: CallOptions): void {
    if (typeof session.id !== "string" || typeof session.part_size !== "number") {
      throw new BoxProtocolError("upload session answer lacks id or part_size");
    }
    this.sessionId = session.id;
    this.call = call;
    this.plan = planParts(this.reader.size, session.part_size, session.total_parts);
    this.acked = new Array(this.plan.length);
    this.ackedBytes = 0;
    this.ackedParts = 0;
    this.report();
  }

  /** Box names the hosts for a session; we follow them only where our token may go. */
  private sessionCall(session: UploadSession): CallOptions {
    const url = session.session_endpoints?.upload_part;
    const suffix = `/files/upload_sessions/${session.id}`;
    if (!url || !url.endsWith(suffix) || !this.client.isTrusted(url)) return {};
    const base = url.slice(0, -suffix.length);
    return base === this.client.baseUrl ? {} : { baseUrl: base };
  }

  /** One client call under the retry policy, with the caller's signal and (by default) the session's endpoints. */
  private retried<T>(call: (options: CallOptions) => Promise<T>, base: CallOptions = this.call): Promise<T> {
    return withRetry(this.s.retry, () => call(this.withSignal(base)), this.retryHooks());
  }

  private withSignal(call: CallOptions, signal = this.s.signal): CallOptions {
    return signal ? { ...call, signal } : call;
  }

  private retryHooks(signal = this.s.signal): { signal?: AbortSignal } {
    return signal ? { signal } : {};
  }

  /** Sends every part not already stored; returns the whole-file SHA-1. */
  private async uploadParts(stored: Map<number, UploadPart>): Promise<string> {
    const { reader, s } = this;
    const whole = new WholeFileSha1();
    // Recycled part buffers: no per-part allocation, page faults or GC of 8 MiB blocks, and a
    // hard cap on what the uploader holds. A buffer returns here only when its part is settled.
    const free: Buffer[] = [];
    const failed = new AbortController();
    const signal = s.signal ? AbortSignal.any([s.signal, failed.signal]) : failed.signal;
    // Each request in flight listens on this signal; more than Node's default 10 is expected.
    setMaxListeners(4 * MAX_CONCURRENCY, signal);
    const inFlight = new Set<Promise<void>>();
    let firstError: { error: unknown } | undefined;
    const fail = (error: unknown) => {
      firstError ??= { error };
      failed.abort(error);
    };

    try {
      for (const part of this.plan) {
        while (inFlight.size >= s.concurrency) await Promise.race(inFlight);
        if (firstError || signal.aborted) break;
        const buffer = reader.zeroCopy ? undefined : (free.pop() ?? Buffer.allocUnsafe(this.plan[0]!.size));
        const bytes = await untilAborted(reader.read(part, buffer), signal);
        whole.update(part.offset, bytes);
        const sha1 = sha1Hex(bytes);
        const prior = stored.get(part.offset);
        if (prior) {
          if (buffer) free.push(buffer);
          if (!holds(prior, part, sha1)) {
            throw new SourceChangedError(`part at offset ${part.offset} on the server differs from the source; the source changed since the upload began`);
          }
          await this.acknowledge(part, prior);
          continue;
        }
        const task: Promise<void> = this.sendPart(part, bytes, sha1, signal)
          .then((p) => this.acknowledge(part, p))
          .catch(fail)
          .finally(() => {
            inFlight.delete(task);
            if (buffer) free.push(buffer);
          });
        inFlight.add(task);
      }
    } catch (err) {
      fail(err);
    }
    await Promise.all(inFlight);
    if (s.signal?.aborted) throw new UploadAbortedError(this.sessionId, { cause: s.signal.reason });
    if (firstError) throw firstError.error;
    await reader.finish();
    await this.saveState(true);
    return whole.hex();
  }

  /** One part, retried per the policy. After a failure the server may have acted on, look before resending. */
  private sendPart(part: PartRange, bytes: Uint8Array, sha1: string, signal = this.s.signal): Promise<UploadPart> {
    const { client, reader } = this;
    return withRetry(
      this.s.retry,
      async ({ lastError }) => {
        if (lastError !== undefined && mayHaveSucceeded(lastError)) {
          const found = (await client.listAllUploadedParts(this.sessionId, this.withSignal(this.call, signal))).find(
            (p) => p.offset === part.offset,
          );
          if (found && holds(found, part, sha1)) return found;
        }
        const uploaded = await client.uploadPart(this.sessionId, bytes, { offset: part.offset, fileSize: reader.size, sha1 }, this.withSignal(this.call, signal));
        checkAcknowledgement(uploaded, part, sha1);
        return uploaded;
      },
      this.retryHooks(signal),
    );
  }

  private async acknowledge(part: PartRange, uploaded: UploadPart): Promise<void> {
    if (this.acked[part.index] === undefined) {
      this.acked[part.index] = uploaded;
      this.ackedBytes += part.size;
      this.ackedParts++;
      this.report();
    }
    await this.saveState(false);
  }

  /** Progress counts only acknowledged parts. After a session restart the count starts again
   * from zero; the events then hold still rather than move back. */
  private report(): void {
    if (this.ackedBytes <= this.reportedBytes) return;
    this.reportedBytes = this.ackedBytes;
    this.s.onProgress?.({
      sessionId: this.sessionId,
      bytesUploaded: this.ackedBytes,
      totalBytes: this.reader.size,
      partsUploaded: this.ackedParts,
      totalParts: this.plan.length,
    });
  }

  /**
   * Forced saves (session opened, parts done, commit about to be sent) must succeed; the periodic
   * ones while parts complete are best effort, since the server's part list is what resume trusts.
   */
  private async saveState(force: boolean): Promise<void> {
    if (!this.s.resume || !this.state) return;
    const now = Date.now();
    if (!force && now - this.lastStateWrite < STATE_WRITE_INTERVAL_MS) return;
    this.lastStateWrite = now;
    this.state.parts = this.acked.filter(Boolean) as UploadPart[];
    const saving = this.s.resume.save(this.state);
    await (force ? saving : saving.catch(() => undefined));
  }

  /**
   * Commits, waiting out 202s. A `parts_mismatch` right after the last part is often Box lagging:
   * we list the parts, and if they are all there commit again after a pause, else resend the
   * missing ones. Once a commit may have been applied (a 202, an answer lost to a dropped
   * connection or a 5xx, an abort while it was in flight), we never upload again nor abort the
   * session: if we cannot see it through, we stop with CommitUncertainError.
   */
  private async commit(sha1: string): Promise<BoxFile> {
    const { client, s } = this;
    const deadline = Date.now() + s.commitWaitMs;
    // Recorded before the first commit leaves, so a resumed run knows a commit may have happened.
    if (this.state) {
      this.state.commitSha1 = sha1;
      await this.saveState(true);
    }
    for (let mismatches = 0; ; ) {
      const parts = this.acked as UploadPart[];
      let result;
      try {
        result = await withRetry(
          s.retry,
          () =>
            client.commitUploadSession(
              this.sessionId,
              { parts, sha1, ...(s.ifMatch ? { ifMatch: s.ifMatch } : {}) },
              this.withSignal(this.call),
            ),
          { ...this.retryHooks(), onRetry: (err) => this.noteCommitFailure(err) },
        );
      } catch (err) {
        const appliedBefore = this.commitMayBeApplied;
        this.noteCommitFailure(err);
        if (s.signal?.aborted) {
          // An abort cannot take back a commit that reached Box: say so instead of "aborted".
          if (this.commitMayBeApplied) throw new CommitUncertainError(this.sessionId, sha1, { cause: s.signal.reason });
          throw new UploadAbortedError(this.sessionId, { cause: s.signal.reason });
        }
        const gone = err instanceof BoxApiError && err.status === 404;
        if ((appliedBefore && gone) || (this.commitMayBeApplied && mayHaveSucceeded(err))) {
          throw new CommitUncertainError(this.sessionId, sha1, { cause: err });
        }
        if (err instanceof BoxApiError && err.code === "parts_mismatch" && mismatches < MAX_MISMATCH_RETRIES) {
          mismatches++;
          await this.repairParts(mismatches).catch((repairErr: unknown) => {
            // The parts are gone because an earlier commit consumed them: that commit went through.
            const consumed = this.commitMayBeApplied && repairErr instanceof BoxApiError && repairErr.status === 404;
            throw consumed ? new CommitUncertainError(this.sessionId, sha1, { cause: repairErr }) : repairErr;
          });
          continue;
        }
        throw err;
      }
      if (result.status === "committed") {
        if (result.file.sha1 !== undefined && result.file.sha1 !== sha1) {
          throw new BoxProtocolError(`Box committed SHA-1 ${result.file.sha1}, we uploaded ${sha1}`);
        }
        await s.resume?.remove();
        return result.file;
      }
      // 202: Box took the commit and is assembling the file.
      this.commitMayBeApplied = true;
      const wait = Math.max(MIN_COMMIT_WAIT_STEP, Math.min(result.retryAfterMs ?? 1000, MAX_COMMIT_WAIT_STEP));
      if (Date.now() + wait > deadline) {
        throw new CommitUncertainError(this.sessionId, sha1, {
          cause: new BoxProtocolError(`Box was still processing the commit after ${s.commitWaitMs} ms of 202 answers`),
        });
      }
      await sleep(wait, undefined, this.retryHooks()).catch((err: unknown) => {
        throw new CommitUncertainError(this.sessionId, sha1, { cause: s.signal?.reason ?? err });
      });
    }
  }

  private noteCommitFailure(err: unknown): void {
    // A failure after the request may have reached Box, or an abort while it was in flight.
    if (mayHaveSucceeded(err) || this.s.signal?.aborted) this.commitMayBeApplied = true;
  }

  /** After parts_mismatch: resend what the server lacks, or, if it has everything, give it time. */
  private async repairParts(attempt: number): Promise<void> {
    const listed = await this.retried((o) => this.client.listAllUploadedParts(this.sessionId, o));
    const byOffset = new Map(listed.map((p) => [p.offset, p]));
    const missing = this.plan.filter((part) => {
      const have = byOffset.get(part.offset);
      return !have || !holds(have, part, this.acked[part.index]?.sha1);
    });
    if (missing.length === 0) {
      await sleep(backoff(this.s.retry, attempt, undefined) + 1000, undefined, this.retryHooks());
      return;
    }
    if (!this.reader.seekable) {
      throw new BoxProtocolError(`Box lost ${missing.length} acknowledged part(s) and a stream cannot be read twice`);
    }
    for (const part of missing) {
      const bytes = await this.reader.read(part);
      const sha1 = sha1Hex(bytes);
      if (sha1 !== this.acked[part.index]?.sha1) {
        throw new SourceChangedError(`part at offset ${part.offset} reads differently now; the source changed during the upload`);
      }
      this.acked[part.index] = await this.sendPart(part, bytes, sha1);
    }
  }

  /** The current session's id, once there is one. */
  get session(): string | undefined {
    return this.sessionId || undefined;
  }

  /** Best-effort cleanup after a failure, so no half-written session lingers. */
  async abandon(): Promise<void> {
    if (!this.sessionId || this.s.resume || this.commitMayBeApplied) return;
    await this.client.abortUploadSession(this.sessionId, { ...this.call, signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
  }

  async keepForResume(): Promise<void> {
    await this.saveState(true).catch(() => undefined);
  }
}

/**
 * Whether a part the server lists is the one we mean. The sha1 is optional in the spec; where it
 * is missing the size must do, and the whole-file digest at commit still guards the content.
 */
function holds(listed: UploadPart, part: PartRange, sha1: string | undefined): boolean {
  return listed.offset === part.offset && listed.size === part.size && (listed.sha1 === undefined || listed.sha1 === sha1);
}

function checkAcknowledgement(uploaded: UploadPart, part: PartRange, sha1: string): void {
  const problems: string[] = [];
  if (typeof uploaded.part_id !== "string" || uploaded.part_id === "") problems.push("no part_id");
  if (uploaded.offset !== part.offset) problems.push(`offset ${uploaded.offset} (sent ${part.offset})`);
  if (uploaded.size !== part.size) problems.push(`size ${uploaded.size} (sent ${part.size})`);
  if (uploaded.sha1 !== undefined && uploaded.sha1 !== sha1) problems.push(`sha1 ${uploaded.sha1} (sent ${sha1})`);
  if (problems.length) {
    throw new BoxProtocolError(`server acknowledged a different part than sent at offset ${part.offset}: ${problems.join(", ")}`);
  }
}

/** Shared by uploadNewVersion and uploadNewFile: check, open, run, and clean up on failure. */
export async function upload(
  client: BoxUploadClient,
  target: UploadTarget,
  source: UploadSource,
  options: UploadOptions | undefined,
): Promise<BoxFile> {
  const s = settings(options, target);
  if (s.signal?.aborted) throw new UploadAbortedError(undefined, { cause: s.signal.reason });
  const reader = await openSource(source, s.size);
  const run = new UploadRun(client, target, reader, s);
  try {
    return await run.run();
  } catch (err) {
    // Whatever an abort broke on its way out is reported as the abort, unless the outcome is already typed.
    const typed = err instanceof UploadAbortedError || err instanceof CommitUncertainError;
    const error = s.signal?.aborted && !typed ? new UploadAbortedError(run.session, { cause: s.signal.reason }) : err;
    await (s.resume ? run.keepForResume() : run.abandon());
    throw error;
  } finally {
    // Closing is cleanup: it must not turn a committed upload into a failure.
    await reader.close().catch(() => undefined);
  }
}

/** A read that a stalled stream could keep pending forever must still end when the upload is aborted. */
function untilAborted<T>(pending: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    pending.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
