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

/** Resume state is rewritten at most this often while parts complete. */
const STATE_WRITE_INTERVAL_MS = 1000;

export class UploadState {
  sessionId = "";
  call: CallOptions = {};
  plan: PartRange[] = [];
  acked: (UploadPart | undefined)[] = [];
  record: ResumeState | undefined;
  readonly guard = new CommitGuard(() => this.sessionId);
  private ackedBytes = 0;
  private ackedParts = 0;
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
    this.report();
  }

  async acknowledge(part: PartRange, uploaded: UploadPart): Promise<void> {
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
