/**
 * Where a chunked upload's parts to send come from: every part Box does not hold yet (`plainParts`),
 * or only those the upload plan says Box lacks (`plannedParts`). Each reads the source once in file
 * order, hashes it (the whole file's SHA-1 is the generator's return value), settles the parts Box
 * already holds (a resumed session's, a plan's hits) with the ledger, and yields the rest for the
 * upload's one pipeline to send (chunked.ts).
 */
import type { PlanPart, UploadPart, UploadSessionPlan } from "../api/boxApi";
import { sha1Hex, WholeFileSha1 } from "../core/digest";
import type { PartRange } from "../core/partPlan";
import { untilAborted } from "../core/sleep";
import type { BudgetSlot, PartBudget } from "./budget";
import type { PartLedger } from "./ledger";
import { assertHeld } from "./partChecks";
import type { UploadPlatform } from "./ports";
import type { PartReader } from "./sources";

/** A part for the pipeline: its SHA-1, and its bytes in a budget slot when already read (else read again, and checked, in a slot of its own). */
export interface PartToSend {
  part: PartRange;
  sha1: string;
  read?: { bytes: Uint8Array; slot: BudgetSlot };
}

export interface SourceContext {
  reader: PartReader;
  budget: PartBudget;
  platform: UploadPlatform;
  ledger: PartLedger;
  /** What the session held when this run took it (a resumed session's part list), by offset. */
  held: Map<number, UploadPart>;
  /** Ends the pass: the caller's abort or the pipeline's first failure. */
  signal: AbortSignal;
}

/** Every part not yet acknowledged, read into the slot it is sent from. */
export async function* plainParts(ctx: SourceContext): AsyncGenerator<PartToSend, string> {
  const { reader, platform, ledger, signal } = ctx;
  // A platform with an async hasher (a browser's worker) gets the parts' bytes moved to it and
  // back; Node hashes in line, with no await added.
  const hasher = platform.partHasher?.();
  const whole = hasher ? undefined : new WholeFileSha1(platform.sha1);
  try {
    for (const part of ledger.parts) {
      // A slot (and its recycled buffer) returns to the budget only when its part is settled, so the
      // budget caps both requests in flight and the part memory held, across every upload sharing it.
      const slot = await ctx.budget.acquire(signal);
      let bytes: Uint8Array;
      let sha1: string;
      try {
        bytes = await untilAborted(reader.read(part, reader.zeroCopy ? undefined : slot.buffer(part.size)), signal);
        if (hasher) {
          ({ bytes, sha1 } = await untilAborted(hasher.part(part.offset, bytes, !reader.zeroCopy), signal));
          // The buffer went to the worker and back: keep recycling it rather than allocate anew.
          if (!reader.zeroCopy) slot.adopt(bytes);
        } else {
          whole!.update(part.offset, bytes);
          sha1 = sha1Hex(platform.sha1, bytes);
        }
      } catch (err) {
        // An abandoned read may still be filling the buffer: it must not pass to another part.
        slot.release(true);
        throw err;
      }
      // Held already: acknowledged earlier in this run (a hit a resume record kept), or by the resumed session.
      const held = ledger.ackOf(part) ?? ctx.held.get(part.offset);
      if (held) {
        slot.release();
        assertHeld(held, part, sha1);
        await ledger.acknowledge(part, held, "resumed");
        continue;
      }
      yield { part, sha1, read: { bytes, slot } };
    }
    return hasher ? await untilAborted(hasher.whole(), signal) : whole!.hex();
  } finally {
    hasher?.close();
  }
}

/** Parts asked about in the first plan call; each next call doubles, up to MAX_BATCH. */
const FIRST_BATCH = 8;
const MAX_BATCH = 64;

/** Asks the plan about `parts`; throws when Box will not plan them. */
export type AskPlan = (parts: PlanPart[], signal: AbortSignal) => Promise<UploadSessionPlan>;

/**
 * One pass that hashes each part (SHA-512 for the plan, SHA-1 for its digest, and the whole
 * file's SHA-1) and asks the plan about them in batches as they are hashed (8, then 16, … up to
 * 64 a call); hits are acknowledged with Box's part_id and our SHA-1, misses yielded to be read
 * again and sent while the pass goes on. Returns undefined when the very first plan call fails (no
 * plan to be had: the caller makes a plain upload); a later batch that fails is sent whole. Hits a
 * resume record kept are not asked again.
 */
export async function* plannedParts(ctx: SourceContext, ask: AskPlan): AsyncGenerator<PartToSend, string | undefined> {
  const { reader, platform, ledger, signal } = ctx;
  const whole = new WholeFileSha1(platform.sha1);
  const kept = ledger.keptHits;
  let answered = 0;
  let batch: { part: PartRange; sha1: string; sha512: string }[] = [];
  let batchSize = FIRST_BATCH;

  /** The batch's misses; undefined when the first call fails. */
  const flush = async (): Promise<PartToSend[] | undefined> => {
    const asked = batch;
    batch = [];
    batchSize = Math.min(MAX_BATCH, batchSize * 2);
    if (asked.length === 0) return [];
    let plan: UploadSessionPlan;
    try {
      plan = await ask(asked.map((h) => ({ offset: h.part.offset, size: h.part.size, sha512: h.sha512 })), signal);
    } catch (err) {
      if (signal.aborted) throw err;
      return answered === 0 ? undefined : asked; // a later batch Box would not plan: sent whole
    }
    answered++;
    const hits = new Map(plan.hits.map((hit) => [hit.offset, hit]));
    const misses: PartToSend[] = [];
    for (const h of asked) {
      const hit = hits.get(h.part.offset);
      if (hit && hit.size === h.part.size && hit.sha512 === h.sha512) {
        await ledger.acknowledge(h.part, { part_id: hit.part_id, offset: hit.offset, size: hit.size, sha1: h.sha1 }, "planned");
      } else misses.push(h);
    }
    return misses;
  };

  // The pass holds one budget slot of its own for its reads.
  const slot = await ctx.budget.acquire(signal);
  try {
    for (const part of ledger.parts) {
      signal.throwIfAborted();
      const bytes = await untilAborted(reader.read(part, reader.zeroCopy ? undefined : slot.buffer(part.size)), signal);
      whole.update(part.offset, bytes);
      const sha1 = sha1Hex(platform.sha1, bytes);
      const held = ctx.held.get(part.offset);
      const hit = held ? undefined : kept.get(part.offset);
      if (held || hit) {
        assertHeld((held ?? hit)!, part, sha1);
        await ledger.acknowledge(part, (held ?? hit)!, held ? "resumed" : "planned");
        continue;
      }
      const sha512 = platform.sha512!();
      sha512.update(bytes);
      batch.push({ part, sha1, sha512: sha512.hex() });
      if (batch.length < batchSize) continue;
      const misses = await flush();
      if (misses === undefined) return undefined;
      yield* misses;
    }
    const misses = await flush();
    if (misses === undefined) return undefined;
    yield* misses;
    return whole.hex();
  } finally {
    slot.release(true);
  }
}
