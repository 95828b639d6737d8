/**
 * What one upload run knows and builds up: the session, its part plan, the parts Box has
 * acknowledged, progress, and the resume record. The pipeline (parts.ts), the session logic
 * (session.ts) and the commit (commit.ts) all work on one of these.
 */
import type { CallOptions, UploadPart, UploadSession } from "../api/boxApi";
import { planParts, type PartRange } from "../core/partPlan";
import { withRetry } from "../core/retry";
import { CommitGuard } from "./commitGuard";
import type { Settings } from "./options";
import type { UploadApi, UploadPlatform } from "./ports";
import type { ResumeState, UploadTarget } from "./resume";
import type { PartReader } from "./sources";
import { BoxProtocolError } from "../core/errors";
import { isSessionId } from "../core/validate";
import { linkedSignal } from "../core/linkedSignal";

/** Resume state is rewritten at most this often while parts complete. */
const STATE_WRITE_INTERVAL_MS = 1000;

export class UploadState {
  sessionId = "";
  call: CallOptions = {};
  plan: PartRange[] = [];
  acked: (UploadPart | undefined)[] = [];
  record: ResumeState | undefined;
  /** The file's version id before our commit (new versions), to tell afterwards whether it went through. */
  versionBefore: string | undefined;
  private versionRead: Promise<string | undefined> | undefined;
  readonly guard = new CommitGuard(() => this.sessionId);
  private ackedBytes = 0;
  private ackedParts = 0;
  /** Bytes of parts in flight handed to the network so far, by part index. */
  private readonly sending = new Map<number, number>();
  private sendingBytes = 0;
  private resumedBytes = 0;
  /** bytesSent in the last progress event (it never goes back, even after a resend). */
  private reportedSent = 0;
  private lastStateWrite = 0;
  /** Bytes in the last progress event; -1 before the first. */
  private reportedBytes = -1;

  constructor(
    readonly api: UploadApi,
    readonly platform: UploadPlatform,
    readonly target: UploadTarget,
    readonly reader: PartReader,
    readonly s: Settings,
  ) {}

  /** Takes `session` as the one to upload into: a fresh plan, nothing acknowledged yet. */
  adopt(session: UploadSession, call: CallOptions): void {
    if (!isSessionId(session?.id)) throw new BoxProtocolError("upload session answer lacks a usable id");
    // Set before the checks below, so a session whose answer fails them is aborted, not orphaned.
    this.sessionId = session.id;
    if (typeof session.part_size !== "number") throw new BoxProtocolError(`upload session ${session.id} answer lacks part_size`);
    this.call = call;
    this.plan = planParts(this.reader.size, session.part_size, session.total_parts);
    this.acked = new Array(this.plan.length);
    this.ackedBytes = 0;
    this.ackedParts = 0;
    this.sending.clear();
    this.sendingBytes = 0;
    this.report();
  }

  /**
   * Starts reading the file's current version (new versions only), so an unknown commit outcome
   * can later be settled by reading the file again (resolve.ts). It runs while the parts go up,
   * off the critical path (as a step before the commit it cost a round trip: -5% at 256 MiB on a
   * link shaped like Box's). Best effort: when it fails, an unknown outcome stays unknown.
   */
  startVersionRead(): void {
    if (this.target.kind !== "version" || this.versionRead) return;
    const linked = linkedSignal([this.s.signal], 30_000);
    this.versionRead = this.api
      .getFile(this.target.fileId, ["file_version"], { signal: linked.signal })
      .then(
        (f) => f.file_version?.id,
        () => undefined,
      )
      .finally(() => linked.dispose());
  }

  readVersionBefore(): Promise<string | undefined> {
    return this.versionRead ?? Promise.resolve(undefined);
  }

  /** `resumed`: the part was already in the session when this run began. */
  async acknowledge(part: PartRange, uploaded: UploadPart, resumed = false): Promise<void> {
    if (this.acked[part.index] === undefined) {
      this.acked[part.index] = uploaded;
      this.ackedBytes += part.size;
      this.ackedParts++;
      if (resumed) this.resumedBytes += part.size;
      this.sendingBytes -= this.sending.get(part.index) ?? 0;
      this.sending.delete(part.index);
      this.report();
    }
    await this.saveState(false);
  }

  /** `bytes` of `part` have been handed to the network so far (this try). */
  noteSent(part: PartRange, bytes: number): void {
    if (this.acked[part.index] !== undefined) return;
    this.sendingBytes += bytes - (this.sending.get(part.index) ?? 0);
    this.sending.set(part.index, bytes);
    this.report();
  }

  /**
   * Progress: acknowledged bytes, and bytes on the wire (in flight included). Both only go up:
   * after a session restart or a resent part the counts hold still rather than move back.
   */
  private report(): void {
    const sent = Math.max(this.reportedSent, this.ackedBytes + this.sendingBytes);
    if (this.ackedBytes <= this.reportedBytes && sent <= this.reportedSent) return;
    this.reportedBytes = Math.max(this.reportedBytes, this.ackedBytes);
    this.reportedSent = Math.max(sent, this.reportedBytes);
    this.s.onProgress?.({
      sessionId: this.sessionId,
      bytesUploaded: this.reportedBytes,
      bytesSent: this.reportedSent,
      bytesResumed: this.resumedBytes,
      totalBytes: this.reader.size,
      partsUploaded: this.ackedParts,
      totalParts: this.plan.length,
    });
  }

  /**
   * Forced saves (session opened, parts done, commit about to be sent) must succeed; the periodic
   * ones while parts complete are best effort, since the server's part list is what resume trusts.
   */
  async saveState(force: boolean): Promise<void> {
    if (!this.s.resume || !this.record) return;
    const now = Date.now();
    if (!force && now - this.lastStateWrite < STATE_WRITE_INTERVAL_MS) return;
    this.lastStateWrite = now;
    this.record.parts = this.acked.filter(Boolean) as UploadPart[];
    const saving = this.s.resume.save(this.record);
    await (force ? saving : saving.catch(() => undefined));
  }

  /** One API call under the retry policy, with the caller's signal and (by default) the session's endpoints. */
  retried<T>(call: (options: CallOptions) => Promise<T>, base: CallOptions = this.call, signal = this.s.signal): Promise<T> {
    return withRetry(this.s.retry, (ctx) => call({ ...base, signal: ctx.signal }), signal ? { signal } : {});
  }
}
