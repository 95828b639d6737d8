/**
 * The planning pass: every part read once, in file order, and hashed (the whole file's SHA-1, and
 * the part's SHA-512 for the plan), while the plan is asked about the parts already
 * hashed; Box's hits are acknowledged as they come, and each miss goes to the pipeline the moment
 * an answer names it. What the profile of the first version showed (512 MiB, 1 MiB changed, link
 * shaped like Box's: 3.4 s, 1.38 s of it busy on the main thread, 89% of that in hash updates) and
 * what answers it here:
 * - all three hashes ran on one thread: SHA-512 now runs beside the SHA-1 (Node: a worker thread
 *   the part's buffer moves to and back, and this thread takes a part's SHA-512 itself while that
 *   one is behind; Web Crypto's copy where a buffer may not move; a browser: its hash worker);
 * - each read was awaited before its part was hashed: the next part is read while this one is;
 * - each plan call was awaited before reading went on: calls now run beside the pass, up to
 *   PLANS_IN_FLIGHT at once, and misses are sent from their answers;
 * - each part was SHA-1'd too, for the commit and for a check when read again: a third of this
 *   thread's CPU then (0.28 s per 512 MiB). A part asked about is now known by its SHA-512: a hit
 *   is named in the commit as Box named it, and a miss read again is checked by its SHA-512.
 * A file rewritten end to end would still pay the whole pass for nothing, so when the first answer
 * finds no hit at all, the pass stops asking and sends the rest as a plain upload does.
 */
import type { PlanPart, UploadPart, UploadSessionPlan } from "../api/boxApi";
import type { PartRange } from "../core/partPlan";
import { untilAborted } from "../core/sleep";
import type { BudgetSlot } from "./budget";
import type { PartLedger } from "./ledger";
import { hashIn, hasherFor, heldOf, keptBySha512, plainFrom, readIn, settledIn, settleHeld, type PartToSend, type SourceContext } from "./partSources";

/**
 * Parts asked about in the first plan call, whose answer alone decides whether to plan on: when
 * none of these hits, the rest goes as a plain upload (a file whose first 32 MiB changed, at 8 MiB
 * parts, is sent whole). Small, because a rewritten file sends nothing until it is answered.
 */
const FIRST_BATCH = 4;
/**
 * Each next call asks about twice as many, up to this. A miss waits until its batch is full before
 * it is asked about: at 16 the changed part in the middle of 512 MiB went up about 0.2 s later
 * than at 8, and the upload ended 0.1 s later (1.31-1.43 s against 1.21-1.26 s, three runs each).
 * The calls cost one for every 8 part uploads they spare.
 */
const MAX_BATCH = 8;
/**
 * Part buffers the pass reads into, from the budget: one read ahead, one hashed here, and up to two
 * on the SHA-512 thread (core/digest.ts AWAY_AT_ONCE).
 */
const RING = 4;
/** Plan calls at once after the first has answered. */
const PLANS_IN_FLIGHT = 4;
/** SHA-512s running at once (through Web Crypto each holds a copy of its part, outside the budget). */
const DIGESTS_IN_FLIGHT = 3;

/** Asks the plan about `parts`; throws when Box will not plan them. */
export type AskPlan = (parts: PlanPart[], signal: AbortSignal) => Promise<UploadSessionPlan>;

/** A part asked about, by its SHA-512. */
interface Asked {
  part: PartRange;
  sha512: string;
}

/**
 * The parts Box lacks, by the plan, then the whole file's SHA-1; undefined when the first plan
 * call fails (no plan to be had: the caller makes a plain upload). A later call that fails has its
 * parts sent whole. Parts the session holds and hits a resume record kept are not asked again.
 */
export async function* plannedParts(ctx: SourceContext, ask: AskPlan): AsyncGenerator<PartToSend, string | undefined> {
  const { ledger, signal } = ctx;
  const hasher = hasherFor(ctx.platform);
  const kept = ledger.keptHits;
  const calls = new PlanCalls(ledger, ask, signal);
  const parts = ledger.parts;
  // Up to RING slots: a part is read into one while the one before it is hashed here and up to two
  // before that may still be on the SHA-512 thread. The first is waited for; the others are taken
  // only when free, so a pass never waits while holding a slot.
  // `away`: its buffer is on the SHA-512 thread, `busy` settles when it is back.
  const ring: { slot: BudgetSlot; busy?: Promise<void>; away?: boolean }[] = [{ slot: await ctx.budget.acquire(signal) }];
  for (let more = 1; more < RING; more++) {
    const slot = ctx.budget.tryAcquire();
    if (slot) ring.push({ slot });
  }
  const start = (i: number) => {
    const held = ring[i % ring.length]!;
    const { slot, busy } = held;
    // A buffer still away for SHA-512 is taken back before it is read into again.
    const read = (busy ? untilAborted(busy, signal) : Promise.resolve()).then(() => readIn(ctx, parts[i]!, slot));
    read.catch(() => undefined); // awaited in turn; an early exit must not leave it unhandled
    return { held, slot, read };
  };
  let next = parts.length > 0 ? start(0) : undefined;
  try {
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const { held, slot, read } = next!;
      next = undefined;
      if (ring.length > 1 && i + 1 < parts.length) next = start(i + 1);
      const asks = heldOf(ctx, part, kept) === undefined;
      // With one slot a buffer that moved away would hold up the next read: Web Crypto copies instead.
      const hashed = await hashIn(ctx, hasher, part, slot, read, asks || keptBySha512(ctx, part, kept), ring.length > 1);
      if (hashed.back) {
        held.away = true;
        held.busy = hashed.back.then((bytes) => {
          held.away = false;
          slot.adopt(bytes);
        });
        held.busy.catch(() => undefined); // awaited before the next read into it, if there is one
      }
      if (!next && i + 1 < parts.length) next = start(i + 1);
      if (asks) await calls.add(part, hashed.sha512!);
      else await settleHeld(ctx, part, hashed, kept);
      if (calls.unavailable) return undefined;
      yield* calls.answered();
      if (!calls.allMissed) continue;
      // Nothing hit: the parts hashed and not asked about are sent, the rest goes as a plain upload.
      yield* calls.abandon();
      if (next) {
        const ahead = next;
        const after = parts[i + 1]!;
        next = undefined;
        ring.splice(ring.indexOf(ahead.held), 1); // it goes with its part to the pipeline
        // As in plainFrom: only a kept hit's SHA-512 may not move the buffer away.
        const bySha512 = keptBySha512(ctx, after, kept);
        const hashed = await hashIn(ctx, hasher, after, ahead.slot, ahead.read, bySha512, !bySha512);
        if (!(await settledIn(ctx, after, hashed, ahead.slot, kept))) yield { part: after, sha1: hashed.sha1!, read: { bytes: hashed.bytes, slot: ahead.slot } };
      }
      // A buffer still on the SHA-512 thread is dropped with its slot, never handed on.
      for (const r of ring.splice(0)) r.slot.release(r.away === true);
      yield* plainFrom(ctx, hasher, i + 2, kept);
      return await untilAborted(hasher.whole(), signal);
    }
    if (!(yield* calls.rest())) return undefined;
    return await untilAborted(hasher.whole(), signal);
  } finally {
    hasher.close();
    // A read ahead may still be filling its buffer: none goes back to the budget for another part.
    for (const r of ring) r.slot.release(true);
  }
}

/** The plan calls of one pass: batches, calls in flight, and what their answers decided. */
class PlanCalls {
  /** Parts whose SHA-512 is still running, in file order. */
  private readonly digesting: { part: PartRange; sha512: Promise<string> }[] = [];
  /** Parts hashed and not asked about yet, in file order. */
  private batch: Asked[] = [];
  private size = FIRST_BATCH;
  private readonly inFlight = new Set<Promise<void>>();
  /** Misses named by an answer (or parts of a call that failed), not yet handed to the pipeline. */
  private readonly misses: PartToSend[] = [];
  private failure: { error: unknown } | undefined;
  private answers = 0;
  private hits = 0;
  /** The first call failed: Box will not plan this session. */
  unavailable = false;
  /** Every part is hashed: a batch that is not full is asked about too. */
  private finishing = false;

  constructor(
    private readonly ledger: PartLedger,
    private readonly ask: AskPlan,
    private readonly signal: AbortSignal,
  ) {}

  /** The first answer found no hit: asking on would cost the pass for nothing. */
  get allMissed(): boolean {
    return this.answers > 0 && this.hits === 0;
  }

  /** A part hashed, its SHA-512 on its way; asks about the batch once it is full. */
  async add(part: PartRange, sha512: Promise<string>): Promise<void> {
    sha512.catch(() => undefined); // awaited in turn; a pass that ends early must not leave it unhandled
    this.digesting.push({ part, sha512 });
    while (this.digesting.length > DIGESTS_IN_FLIGHT) await this.digested();
    this.launch();
  }

  /** The misses answers have named so far. */
  *answered(): Generator<PartToSend> {
    if (this.failure) throw this.failure.error;
    while (this.misses.length > 0) yield this.misses.shift()!;
  }

  /** No more asking: every part hashed and not yet asked about is sent (checked by its SHA-512 when read again). */
  async *abandon(): AsyncGenerator<PartToSend> {
    while (this.digesting.length > 0) await this.digested();
    this.missAll(this.batch.splice(0));
    yield* this.answered();
  }

  /** After the last part: the rest asked about, and each answer's misses as it comes; false when no plan was to be had. */
  async *rest(): AsyncGenerator<PartToSend, boolean> {
    this.finishing = true;
    while (this.digesting.length > 0) await this.digested();
    this.launch();
    for (;;) {
      if (this.unavailable) return false;
      yield* this.answered();
      if (this.inFlight.size === 0 && this.batch.length === 0) return true;
      if (this.inFlight.size > 0) await Promise.race(this.inFlight);
      else this.launch();
    }
  }

  private async digested(): Promise<void> {
    const { part, sha512 } = this.digesting.shift()!;
    this.batch.push({ part, sha512: await untilAborted(sha512, this.signal) });
  }

  /**
   * Asks about every full batch (every batch left, once finishing) that may go now: the first
   * call goes alone, since its answer decides whether to ask on; then up to PLANS_IN_FLIGHT. Never
   * waits: each answer launches what it made room for.
   */
  private launch(): void {
    while (this.batch.length >= this.size || (this.finishing && this.batch.length > 0)) {
      // A pass that ended (its failure, an abort) asks nothing more.
      if (this.failure || this.unavailable || this.signal.aborted) return;
      if (this.allMissed) return this.missAll(this.batch.splice(0));
      if ((this.answers === 0 && this.inFlight.size > 0) || this.inFlight.size >= PLANS_IN_FLIGHT) return;
      const asked = this.batch.splice(0, this.size);
      this.size = Math.min(MAX_BATCH, this.size * 2);
      const call: Promise<void> = this.ask(
        asked.map((h) => ({ offset: h.part.offset, size: h.part.size, sha512: h.sha512 })),
        this.signal,
      )
        .then(
          (plan) => this.answer(asked, plan),
          (err: unknown) => {
            if (this.signal.aborted) throw err;
            if (this.answers === 0) this.unavailable = true;
            else this.missAll(asked); // sent whole
          },
        )
        .catch((error: unknown) => void (this.failure ??= { error }))
        .finally(() => {
          this.inFlight.delete(call);
          this.launch();
        });
      this.inFlight.add(call);
    }
  }

  private async answer(asked: Asked[], plan: UploadSessionPlan): Promise<void> {
    const hits = new Map(plan.hits.map((hit) => [hit.offset, hit]));
    const found: [Asked, UploadPart][] = [];
    for (const h of asked) {
      const hit = hits.get(h.part.offset);
      // Named in the commit as Box named it: part_id, offset and size (we have no SHA-1 of it).
      if (hit && hit.size === h.part.size && hit.sha512 === h.sha512) found.push([h, { part_id: hit.part_id, offset: hit.offset, size: hit.size }]);
      else this.miss(h);
    }
    // Counted before the acknowledgements are awaited: the pass may look at them meanwhile.
    this.answers++;
    this.hits += found.length;
    for (const [{ part, sha512 }, held] of found) {
      // An answer that comes after the pass ended (a failure, an abort) records nothing.
      if (this.signal.aborted) return;
      await this.ledger.acknowledge(part, held, "planned", { sha512 });
    }
  }

  /** A part to send, read again and checked by its SHA-512: Box lacks it, or was not asked. */
  private miss(h: Asked): void {
    this.misses.push({ part: h.part, check: { sha512: h.sha512 } });
  }

  private missAll(hashed: Asked[]): void {
    for (const h of hashed) this.miss(h);
  }
}
