/**
 * What one chunked upload knows and builds up: the session, its part plan, the parts Box has
 * acknowledged, progress, and the resume record. The pipeline (parts.ts), the session logic
 * (session.ts) and the commit (commit.ts) read it and change it only through the methods here.
 */
import type { CallOptions, UploadPart, UploadSession } from "../api/boxApi";
import { BoxProtocolError } from "../core/errors";
import { planParts, type PartRange } from "../core/partPlan";
import { withRetry } from "../core/retry";
import { isSessionId } from "../core/validate";
import { CommitGuard } from "./commitGuard";
import type { UploadJob } from "./job";
import { currentVersion } from "./landed";
import type { UploadDeps } from "./ports";
import { Progress } from "./progress";
import type { ResumeState } from "./resume";

/** Resume state is rewritten at most this often while parts complete. */
const STATE_WRITE_INTERVAL_MS = 1000;

export class UploadState {
  readonly guard = new CommitGuard(() => this.id);
  private id = "";
  private endpoints: CallOptions = {};
  private parts: PartRange[] = [];
  private stored: (UploadPart | undefined)[] = [];
  private record: ResumeState | undefined;
  /** The file's version id before our commit (new versions), to tell afterwards whether it went through. */
  private before: string | undefined;
  private versionRead: Promise<string | undefined> | undefined;
  private readonly progress: Progress;
  /** Parts Box already held by the upload plan (indices), never sent by us. */
  private readonly hits = new Set<number>();
  private planEndpoint: CallOptions | undefined;
  private lastStateWrite = 0;

  constructor(
    readonly deps: UploadDeps,
    readonly job: UploadJob,
  ) {
    this.progress = new Progress(job.onProgress);
  }

  get sessionId(): string {
    return this.id;
  }
  /** Call options for the session's endpoints. */
  get call(): CallOptions {
    return this.endpoints;
  }
  get plan(): readonly PartRange[] {
    return this.parts;
  }
  /** Box's acknowledgement of each part, by index; undefined where none yet. */
  get acked(): readonly (UploadPart | undefined)[] {
    return this.stored;
  }
  /** True when a resume record names this session (it is then kept for the next run on failure). */
  get recorded(): boolean {
    return this.record !== undefined;
  }
  get versionBefore(): string | undefined {
    return this.before;
  }
  /** Call options for the session's plan endpoint; undefined when the session names none. */
  get planCall(): CallOptions | undefined {
    return this.planEndpoint;
  }
  /** Hits the plan gave, by part index; empty when the upload was not planned. */
  get planned(): ReadonlySet<number> {
    return this.hits;
  }
  /** The hits a resume record kept from an earlier run of this session. */
  get recordedHits(): readonly UploadPart[] {
    return this.record?.planned ?? [];
  }

  /** Takes a new session: a fresh plan, nothing acknowledged yet, and (with resume) a new record of it. */
  async opened(session: UploadSession, call: CallOptions): Promise<void> {
    this.adopt(session, call);
    const resume = this.job.resume;
    if (!resume) return;
    this.record = {
      version: 1,
      sessionId: this.id,
      ...(call.baseUrl ? { sessionBaseUrl: call.baseUrl } : {}),
      target: this.job.target,
      partSize: session.part_size!,
      totalParts: session.total_parts!,
      source: resume.identity,
      parts: [],
      updatedAt: "",
    };
    await resume.store.save(this.record);
  }

  /** Takes the session a resume record names, found again on the server, holding `held` of its parts. */
  resumed(session: UploadSession, call: CallOptions, record: ResumeState, held: number): void {
    this.adopt(session, call, held);
    this.record = record;
  }

  private adopt(session: UploadSession, call: CallOptions, held = 0): void {
    if (!isSessionId(session?.id)) throw new BoxProtocolError("upload session answer lacks a usable id");
    // Set before the checks below, so a session whose answer fails them is aborted, not orphaned.
    this.id = session.id;
    if (typeof session.part_size !== "number") throw new BoxProtocolError(`upload session ${session.id} answer lacks part_size`);
    this.endpoints = call;
    this.planEndpoint = typeof session.session_endpoints?.plan === "string" ? this.deps.api.sessionCall(session, "plan") : undefined;
    this.hits.clear();
    this.parts = planParts(this.job.source.size, session.part_size, session.total_parts);
    this.stored = new Array(this.parts.length);
    this.progress.restart(held);
    this.report();
  }

  /**
   * Starts reading the file's current version (new versions only), so an unknown commit outcome
   * can later be settled by reading the file again (landed.ts). It runs while the parts go up,
   * off the critical path (as a step before the commit it cost a round trip: -5% at 256 MiB on a
   * link shaped like Box's). Best effort: when it fails, an unknown outcome stays unknown.
   */
  startVersionRead(): void {
    this.versionRead ??= currentVersion(this.deps.api, this.job.target, this.job.signal);
  }

  /** Waits for the version read above (before a commit is sent). */
  async settleVersionBefore(): Promise<void> {
    this.before = await (this.versionRead ?? Promise.resolve(undefined));
  }

  /** `how`: sent by this run, in the session when this run began (`resumed`), or held by Box by the plan (`planned`). */
  async acknowledge(part: PartRange, uploaded: UploadPart, how: "sent" | "resumed" | "planned" = "sent"): Promise<void> {
    if (this.stored[part.index] === undefined) {
      this.stored[part.index] = uploaded;
      this.progress.acknowledged(part, how);
      this.report();
    }
    await this.saveState(false);
  }

  /** A part the plan says Box holds: acknowledged with its part_id and our SHA-1, never sent. */
  async plannedHit(part: PartRange, hit: UploadPart): Promise<void> {
    if (this.stored[part.index] !== undefined) return;
    this.hits.add(part.index);
    const kept = this.record?.planned ?? [];
    if (this.record && !kept.some((h) => h.offset === hit.offset)) this.record.planned = [...kept, hit];
    await this.acknowledge(part, hit, "planned");
  }

  /** A part sent again (Box lost it, or did not take a planned hit): its new acknowledgement replaces the old. */
  replace(part: PartRange, uploaded: UploadPart): void {
    this.stored[part.index] = uploaded;
    if (this.hits.delete(part.index) && this.record) this.record.planned = (this.record.planned ?? []).filter((h) => h.offset !== part.offset);
  }

  /** A planned hit as list parts shows it (Box's own entry replaces the plan's, still a hit, never sent). */
  replaceHit(part: PartRange, listed: UploadPart): void {
    if (this.hits.has(part.index)) this.stored[part.index] = listed;
  }

  /** `bytes` of `part` have been handed to the network so far (this try). */
  noteSent(part: PartRange, bytes: number): void {
    if (this.stored[part.index] !== undefined) return;
    this.progress.sent(part, bytes);
    this.report();
  }

  /** Recorded before the first commit leaves, so a resumed run knows a commit may have happened. */
  async recordCommit(sha1: string): Promise<void> {
    if (!this.record) return;
    this.record.commitSha1 = sha1;
    await this.saveState(true);
  }

  private report(): void {
    this.progress.report({ sessionId: this.id, totalBytes: this.job.source.size, totalParts: this.parts.length });
  }

  /**
   * Forced saves (session opened, parts done, commit about to be sent) must succeed; the periodic
   * ones while parts complete are best effort, since the server's part list is what resume trusts.
   */
  async saveState(force: boolean): Promise<void> {
    const store = this.job.resume?.store;
    if (!store || !this.record) return;
    const now = Date.now();
    if (!force && now - this.lastStateWrite < STATE_WRITE_INTERVAL_MS) return;
    this.lastStateWrite = now;
    this.record.parts = this.stored.filter((p, i) => p !== undefined && !this.hits.has(i)) as UploadPart[];
    const saving = store.save(this.record);
    await (force ? saving : saving.catch(() => undefined));
  }

  /** One API call under the retry policy, with the upload's signal and (by default) the session's endpoints. */
  retried<T>(call: (options: CallOptions) => Promise<T>, base: CallOptions = this.endpoints, signal = this.job.signal): Promise<T> {
    return withRetry(this.job.run.retry, (ctx) => call({ ...base, signal: ctx.signal }), signal ? { signal } : {});
  }
}
