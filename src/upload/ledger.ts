/**
 * One chunked upload's account of its session: the session and its endpoints, the part plan, what
 * Box has acknowledged of each part, which parts the upload plan found in Box (hits), progress, and
 * the resume record. Private to the upload that keeps it (chunked.ts); it changes only through the
 * methods here, and says nothing to the network.
 */
import type { CallOptions, UploadPart, UploadSession } from "../api/boxApi";
import { BoxProtocolError } from "../core/errors";
import { planParts, type PartRange } from "../core/partPlan";
import { isSessionId } from "../core/validate";
import type { UploadJob } from "./job";
import { Progress } from "./progress";
import type { PartCheck } from "./partChecks";
import type { KeptHit, ResumeState } from "./resume";

/** Resume state is rewritten at most this often while parts complete. */
const STATE_WRITE_INTERVAL_MS = 1000;

export type AckSource = "sent" | "resumed" | "planned";

export class PartLedger {
  private id = "";
  private endpoints: CallOptions = {};
  private planEndpoint: CallOptions | undefined;
  private ranges: PartRange[] = [];
  private stored: (UploadPart | undefined)[] = [];
  private readonly hitSet = new Set<number>();
  /** What checks each acknowledged part's bytes when they are read again (our SHA-1; a hit's SHA-512), by part index. */
  private checks: (PartCheck | undefined)[] = [];
  private record: ResumeState | undefined;
  private readonly progress: Progress;
  private lastStateWrite = 0;

  constructor(
    private readonly job: Pick<UploadJob, "source" | "target" | "resume" | "onProgress">,
    private readonly planCallOf: (session: UploadSession) => CallOptions,
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
  /** Call options for the session's plan endpoint; undefined when the session names none. */
  get planCall(): CallOptions | undefined {
    return this.planEndpoint;
  }
  get parts(): readonly PartRange[] {
    return this.ranges;
  }
  /** Box's acknowledgement of `part`, if it has one yet. */
  ackOf(part: PartRange): UploadPart | undefined {
    return this.stored[part.index];
  }
  /** Parts Box held by the upload plan (never sent by us), in file order. */
  get hits(): PartRange[] {
    return [...this.hitSet].sort((a, b) => a - b).map((i) => this.ranges[i]!);
  }
  /** True when a resume record names this session (it is then kept for the next run on failure). */
  get recorded(): boolean {
    return this.record !== undefined;
  }
  /** The hits a resume record kept from an earlier run of this session, by offset. */
  get keptHits(): Map<number, KeptHit> {
    return new Map((this.record?.planned ?? []).map((h) => [h.offset!, h]));
  }

  /** What checks `part`'s bytes when they are read again: the SHA-1 we hashed it with, or (a hit) the SHA-512 it was found by. */
  checkOf(part: PartRange): PartCheck | undefined {
    return this.checks[part.index];
  }

  /** Every acknowledgement, in part order; `withHits` false leaves out the plan's hits. */
  acknowledged(withHits: boolean): UploadPart[] {
    return this.stored.filter((p, i) => p !== undefined && (withHits || !this.hitSet.has(i))) as UploadPart[];
  }

  /** A new session: nothing acknowledged yet, and (with resume) a new record of it, saved before any part goes. */
  async opened(session: UploadSession, call: CallOptions): Promise<void> {
    this.adopt(session, call, []);
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

  /** The session a resume record names, found again on the server holding `held` (its part list). */
  resumed(session: UploadSession, call: CallOptions, record: ResumeState, held: readonly UploadPart[]): void {
    this.adopt(session, call, held);
    this.record = record;
  }

  private adopt(session: UploadSession, call: CallOptions, held: readonly UploadPart[]): void {
    if (!isSessionId(session?.id)) throw new BoxProtocolError("upload session answer lacks a usable id");
    // Set before the checks below, so a session whose answer fails them is aborted, not orphaned.
    this.id = session.id;
    if (typeof session.part_size !== "number") throw new BoxProtocolError(`upload session ${session.id} answer lacks part_size`);
    this.endpoints = call;
    this.planEndpoint = typeof session.session_endpoints?.plan === "string" ? this.planCallOf(session) : undefined;
    this.hitSet.clear();
    this.ranges = planParts(this.job.source.size, session.part_size, session.total_parts);
    this.stored = new Array(this.ranges.length);
    this.checks = new Array(this.ranges.length);
    // What the session holds counts as in Box from the first event (each is checked as it is read).
    const listed = new Map(held.map((p) => [p.offset, p.size]));
    this.progress.restart(this.ranges.filter((r) => listed.get(r.offset) === r.size));
    this.report();
  }

  /**
   * `how`: sent by this run, held by the session when this run began (`resumed`), or held by Box by
   * the plan (`planned`: the commit names it as Box did, without a SHA-1 of ours). `check`: the
   * digest we know the bytes by.
   */
  async acknowledge(part: PartRange, uploaded: UploadPart | KeptHit, how: AckSource, check: PartCheck): Promise<void> {
    if (this.stored[part.index] === undefined) {
      const { sha512: _kept, ...ack } = uploaded as KeptHit;
      this.stored[part.index] = ack;
      this.checks[part.index] = check;
      if (how === "planned") {
        this.hitSet.add(part.index);
        const kept = this.record?.planned ?? [];
        if (this.record && !kept.some((h) => h.offset === ack.offset)) this.record.planned = [...kept, { ...ack, ...check }];
      }
      this.progress.acknowledged(part, how);
      this.report();
    }
    await this.save(false);
  }

  /** A part sent again (Box lost it, or did not take a hit): its new acknowledgement replaces the old, and it is a hit no more. */
  replace(part: PartRange, uploaded: UploadPart, sha1: string): void {
    this.stored[part.index] = uploaded;
    this.checks[part.index] = { sha1 };
    if (this.hitSet.delete(part.index) && this.record) this.record.planned = (this.record.planned ?? []).filter((h) => h.offset !== part.offset);
  }

  /** A hit as list parts shows it: Box's own entry replaces the plan's (still a hit, never sent). */
  replaceHit(part: PartRange, listed: UploadPart): void {
    if (this.hitSet.has(part.index)) this.stored[part.index] = listed;
  }

  /** `bytes` of `part` have been handed to the network so far (this try). */
  noteSent(part: PartRange, bytes: number): void {
    if (this.stored[part.index] !== undefined) return;
    this.progress.sent(part, bytes);
    this.report();
  }

  /** What became of a plan that was asked for: told in the next progress event. */
  planOutcome(outcome: "used" | "unavailable"): void {
    this.progress.planned(outcome);
    this.report();
  }

  /** Recorded before the first commit leaves, so a resumed run knows a commit may have happened. */
  async recordCommit(sha1: string): Promise<void> {
    if (!this.record) return;
    this.record.commitSha1 = sha1;
    await this.save(true);
  }

  /**
   * Forced saves (session opened, parts done, commit about to be sent) must succeed; the periodic
   * ones while parts complete are best effort, since the server's part list is what resume trusts.
   */
  async save(force: boolean): Promise<void> {
    const store = this.job.resume?.store;
    if (!store || !this.record) return;
    const now = Date.now();
    if (!force && now - this.lastStateWrite < STATE_WRITE_INTERVAL_MS) return;
    this.lastStateWrite = now;
    this.record.parts = this.acknowledged(false);
    const saving = store.save(this.record);
    await (force ? saving : saving.catch(() => undefined));
  }

  private report(): void {
    this.progress.report({ sessionId: this.id, totalBytes: this.job.source.size, totalParts: this.ranges.length });
  }
}
