/**
 * One chunked upload, top to bottom (`run`): the session (the one a resume record names, else a new
 * one: session.ts), the parts Box lacks sent through one pipeline, the commit. Its state is its
 * own: the ledger of parts (ledger.ts), the never-upload-twice guard (commitGuard.ts), and how plan
 * hits enter the commit (hits.ts). The parts to send come from one source (partSources.ts: every
 * part; planPass.ts: the plan's misses); one method sends a part, one reads a part again and checks it.
 */
import type { BoxFile, CallOptions, UploadPart } from "../api/boxApi";
import { BoxApiError, BoxProtocolError, UploadAbortedError } from "../core/errors";
import type { PartRange } from "../core/partPlan";
import { backoff, mayHaveSucceeded, retrying, withRetry } from "../core/retry";
import { sleep, untilAborted } from "../core/sleep";
import type { BudgetSlot } from "./budget";
import { CommitGuard, refusedOutright } from "./commitGuard";
import { HitStrategy } from "./hits";
import type { UploadJob } from "./job";
import { currentVersion } from "./landed";
import { PartLedger } from "./ledger";
import { checkAcknowledgement, holds, notHeld, readAgain, type PartCheck } from "./partChecks";
import { plainParts, type PartToSend, type SourceContext } from "./partSources";
import { plannedParts } from "./planPass";
import { Pipeline } from "./pipeline";
import type { UploadDeps } from "./ports";
import { createSession, findRecorded } from "./session";

/** How often an upload starts over with a new session when its session vanished mid-way. */
const MAX_SESSION_RESTARTS = 1;
/** Retry-After values beyond this are clamped: a commit still gets asked again within a minute. */
const MAX_COMMIT_WAIT_STEP = 60_000;
/** ...and below this, so a `Retry-After: 0` does not become a tight loop. */
const MIN_COMMIT_WAIT_STEP = 500;
/** How often a `parts_mismatch` is checked and retried when every part is in fact stored. */
const MAX_MISMATCH_RETRIES = 5;

export class ChunkedUpload {
  private readonly ledger: PartLedger;
  private readonly guard: CommitGuard;
  private readonly hits: HitStrategy;
  private readonly retried: ReturnType<typeof retrying>;
  private versionRead: Promise<string | undefined> | undefined;
  private before: string | undefined;

  constructor(
    private readonly deps: UploadDeps,
    private readonly job: UploadJob,
  ) {
    this.ledger = new PartLedger(job, (session) => deps.api.sessionCall(session, "plan"));
    this.guard = new CommitGuard(() => this.ledger.sessionId);
    this.retried = retrying(job.run.retry, job.signal);
    this.hits = new HitStrategy({
      ledger: this.ledger,
      listParts: () => this.listParts(),
      resend: (part) => this.resend(part),
      pause: (attempt) => this.pause(attempt),
    });
  }

  async run(): Promise<BoxFile> {
    // The session: the one the resume record names, with the parts it holds; else a new one.
    let held = await this.reattach();
    if (!this.ledger.sessionId) await this.open();
    // The file's version before our commit (new versions), read while the parts go up, so an
    // unknown commit outcome can be settled later (landed.ts). Off the critical path: as a step
    // before the commit it cost a round trip (-5% at 256 MiB on a link shaped like Box's).
    this.versionRead = currentVersion(this.deps.api, this.job.target, this.job.signal);
    for (let restarts = 0; ; restarts++) {
      try {
        // The parts Box lacks: the plan's misses where a plan is wanted and can be had, else every part not held.
        const wanted = this.wantsPlan();
        const planned = wanted ? await this.send((ctx) => plannedParts(ctx, (parts, signal) => this.askPlan(parts, signal)), held) : undefined;
        // A plan asked for and not had is said (a plain upload follows): never a silent fallback.
        if (wanted || this.job.run.plan === "always") this.ledger.planOutcome(planned === undefined ? "unavailable" : "used");
        const sha1 = planned ?? (await this.send(plainParts, held));
        return await this.commit(sha1);
      } catch (err) {
        // A session that expired or vanished mid-way: start over once, if the source can be read again.
        const gone = err instanceof BoxApiError && err.status === 404 && !this.guard.mayBeApplied;
        if (!gone || restarts >= MAX_SESSION_RESTARTS || !this.job.source.seekable) throw err;
        held = new Map();
        await this.open();
      }
    }
  }

  get sessionId(): string {
    return this.ledger.sessionId;
  }
  /** The file's version id before our commit (new versions), when it could be read. */
  get versionBefore(): string | undefined {
    return this.before;
  }
  /**
   * Whether a failed upload may abort its session: never once a commit may have been applied, and
   * never one a resume record keeps for the next run.
   */
  get mayAbandon(): boolean {
    return this.ledger.sessionId !== "" && !this.ledger.recorded && this.guard.mayAbortSession;
  }
  get call(): CallOptions {
    return this.ledger.call;
  }
  /** After a failure: the resume record saved as it stands, for the next run. */
  async keepRecord(): Promise<void> {
    if (this.ledger.recorded) await this.ledger.save(true);
  }

  private async open(): Promise<void> {
    const session = await createSession(this.deps.api, this.job, this.retried);
    await this.ledger.opened(session, this.deps.api.sessionCall(session));
  }

  /** Picks up the session the resume record names (session.ts); returns the parts it holds, by offset (none when it is gone). */
  private async reattach(): Promise<Map<number, UploadPart>> {
    const found = await findRecorded(this.deps.api, this.job, this.retried);
    if (!found) return new Map();
    this.ledger.resumed(found.session, found.call, found.previous, found.parts);
    return new Map(found.parts.map((p) => [p.offset ?? -1, p]));
  }

  /** Whether to ask for a plan: per the `plan` option, where the runtime has SHA-512 and the source can be read twice. */
  private wantsPlan(): boolean {
    const { run, source, target } = this.job;
    if (run.plan === "never" || !this.deps.platform.sha512 || !source.seekable) return false;
    return run.plan === "always" || (target.kind === "version" && this.ledger.planCall !== undefined);
  }

  private askPlan(parts: Parameters<UploadDeps["api"]["planUploadSession"]>[1], signal: AbortSignal) {
    const call = this.ledger.planCall ?? this.ledger.call;
    return this.retried((own) => this.deps.api.planUploadSession(this.ledger.sessionId, parts, { ...call, signal: own }), signal);
  }

  /**
   * The one pipeline: each part the source yields is sent as soon as it comes, budget slots
   * bounding what is in flight. Returns the whole file's SHA-1, or undefined when the source could
   * not be used (no plan to be had).
   */
  private async send<R extends string | undefined>(source: (ctx: SourceContext) => AsyncGenerator<PartToSend, R>, held: Map<number, UploadPart>): Promise<R> {
    const { source: reader, signal, run } = this.job;
    const pipe = new Pipeline(signal);
    const parts = source({ reader, budget: run.budget, platform: this.deps.platform, ledger: this.ledger, held, signal: pipe.signal });
    let sha1: R | undefined;
    try {
      for (let next = await parts.next(); ; next = await parts.next()) {
        if (next.done) {
          sha1 = next.value;
          break;
        }
        const item = next.value;
        pipe.spawn((own) => this.sendInSlot(item, own));
      }
    } catch (err) {
      pipe.fail(err);
    } finally {
      await parts.return(undefined as R).catch(() => undefined);
    }
    await pipe.settle(this.ledger.sessionId);
    if (sha1 === undefined) return undefined as R;
    // A stream that delivered every byte may still never end: the abort must end that wait too.
    await untilAborted(reader.finish(), signal);
    await this.ledger.save(true);
    return sha1;
  }

  /** One part from a source: in its slot, or read again into one of its own; sent; acknowledged. */
  private async sendInSlot(item: PartToSend, signal: AbortSignal): Promise<void> {
    // Its own signal, not the pipeline's: misses queued for a slot would otherwise each hang a
    // listener on one signal (Node warned at 11 on 1 GiB).
    const slot = "read" in item ? item.read.slot : await this.job.run.budget.acquire(signal);
    let settled = false;
    try {
      const { bytes, sha1 } = "read" in item ? { bytes: item.read.bytes, sha1: item.sha1 } : await this.reread(item.part, item.check, signal, slot);
      await this.ledger.acknowledge(item.part, await this.sendPart(item.part, bytes, sha1, signal), "sent", { sha1 });
      settled = true;
    } finally {
      slot.release(!settled);
    }
  }

  /** Reads `part` again (into `slot` when given) and checks it is what was hashed before (partChecks.ts). */
  private reread(part: PartRange, check: PartCheck, signal: AbortSignal | undefined, slot?: BudgetSlot): Promise<{ bytes: Uint8Array; sha1: string }> {
    return readAgain(this.job.source, this.deps.platform, part, check, signal, slot);
  }

  /** A part Box lost or did not take (a hit), sent again and recorded in place of the old acknowledgement. */
  private async resend(part: PartRange): Promise<void> {
    const check = this.ledger.checkOf(part);
    if (check === undefined) throw new BoxProtocolError(`no digest is known for the part at offset ${part.offset}`);
    const { signal } = this.job;
    const { bytes, sha1 } = await this.reread(part, check, signal);
    this.ledger.replace(part, await this.sendPart(part, bytes, sha1, signal), sha1);
  }

  /** One part, retried per the policy. After a failure Box may have acted on, look before sending again. */
  private sendPart(part: PartRange, bytes: Uint8Array, sha1: string, signal: AbortSignal | undefined): Promise<UploadPart> {
    const { api } = this.deps;
    const { sessionId, call } = this.ledger;
    return withRetry(
      this.job.run.retry,
      async (ctx) => {
        if (ctx.lastError !== undefined && mayHaveSucceeded(ctx.lastError)) {
          const found = (await this.listParts(ctx.signal)).get(part.offset);
          if (found && holds(found, part, sha1)) return found;
        }
        this.guard.assertMayUpload(ctx.lastError);
        const options = { ...call, signal: ctx.signal, onBodySent: (n: number) => this.ledger.noteSent(part, n) };
        const uploaded = await api.uploadPart(sessionId, bytes, { offset: part.offset, fileSize: this.job.source.size, sha1 }, options);
        checkAcknowledgement(uploaded, part, sha1);
        return uploaded;
      },
      signal ? { signal } : {},
    );
  }

  /** Box's part list for the session, by offset. */
  private async listParts(signal = this.job.signal): Promise<Map<number, UploadPart>> {
    const { sessionId, call, parts } = this.ledger;
    const listed = await this.retried((own) => this.deps.api.listAllUploadedParts(sessionId, { ...call, signal: own, totalParts: parts.length }), signal);
    return new Map(listed.map((p) => [p.offset ?? -1, p]));
  }

  private pause(attempt: number): Promise<void> {
    return sleep(backoff(this.job.run.retry, attempt, undefined) + 1000, this.job.signal);
  }

  /**
   * The commit: every part and the whole file's SHA-1, 202s waited out. A `parts_mismatch` right
   * after the last part is often Box lagging: the parts are listed, and the commit sent again after
   * a pause when all are there, else the missing ones are sent again. What may happen once a
   * commit may have been applied is the guard's to say (commitGuard.ts), never decided here.
   */
  private async commit(sha1: string): Promise<BoxFile> {
    const { api } = this.deps;
    const { signal, ifMatch, run, resume, times } = this.job;
    const guard = this.guard;
    const deadline = Date.now() + run.commitWaitMs;
    this.before = await (this.versionRead ?? Promise.resolve(undefined));
    guard.sending(sha1);
    await this.ledger.recordCommit(sha1);
    const aborted = () => signal?.aborted === true;
    for (let mismatches = 0; ; ) {
      const input = { parts: this.hits.commitParts(), sha1, times, ...(ifMatch ? { ifMatch } : {}) };
      let result;
      try {
        result = await withRetry(run.retry, (ctx) => api.commitUploadSession(this.ledger.sessionId, input, { ...this.ledger.call, signal: ctx.signal }), {
          ...(signal ? { signal } : {}),
          onRetry: (err) => guard.failed(err, aborted()),
        });
      } catch (err) {
        const appliedBefore = guard.mayBeApplied;
        guard.failed(err, aborted());
        if (aborted()) {
          // An abort cannot take back a commit that reached Box: say so instead of "aborted".
          if (guard.mayBeApplied) throw guard.uncertain("aborted", signal!.reason);
          throw new UploadAbortedError(this.ledger.sessionId, { cause: signal!.reason });
        }
        const gone = err instanceof BoxApiError && err.status === 404;
        if ((appliedBefore && gone) || (guard.mayBeApplied && !refusedOutright(err))) throw guard.uncertain("answer-lost", err);
        // Hits refused the way they were named: the next way (hits.ts). Never once a commit may
        // have been applied: what Box did then is for the guard to settle.
        if (err instanceof BoxApiError && err.status === 400 && !guard.mayBeApplied && (await this.hits.refused())) continue;
        if (err instanceof BoxApiError && err.code === "parts_mismatch" && mismatches < MAX_MISMATCH_RETRIES) {
          await this.repair(++mismatches).catch((repairErr: unknown) => {
            // The parts are gone because an earlier commit consumed them: that commit went through.
            const consumed = guard.mayBeApplied && repairErr instanceof BoxApiError && repairErr.status === 404;
            throw consumed ? guard.uncertain("answer-lost", repairErr) : repairErr;
          });
          continue;
        }
        throw err;
      }
      // Any 2xx means Box took the commit: from here the session is never aborted.
      guard.processing();
      if (result.status === "committed") {
        if (result.file.sha1 !== undefined && result.file.sha1 !== sha1) throw new BoxProtocolError(`Box committed SHA-1 ${result.file.sha1}, we uploaded ${sha1}`);
        await resume?.store.remove();
        return result.file;
      }
      const wait = Math.max(MIN_COMMIT_WAIT_STEP, Math.min(result.retryAfterMs ?? 1000, MAX_COMMIT_WAIT_STEP));
      if (Date.now() + wait > deadline) {
        throw guard.uncertain("still-processing", new BoxProtocolError(`Box was still processing the commit after ${run.commitWaitMs} ms of 202 answers`));
      }
      await sleep(wait, signal).catch((err: unknown) => {
        throw guard.uncertain("aborted", signal?.reason ?? err);
      });
    }
  }

  /** After parts_mismatch: send again what Box lacks, or, when it holds everything, give it time. */
  private async repair(attempt: number): Promise<void> {
    const missing = notHeld(this.ledger.parts, await this.listParts(), (part) => this.ledger.checkOf(part));
    if (missing.length === 0) return this.pause(attempt);
    for (const part of missing) await this.resend(part);
  }
}
