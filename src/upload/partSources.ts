/**
 * Where a chunked upload's parts to send come from: every part Box does not hold yet
 * (`plainParts`, here), or only those the upload plan says Box lacks (`plannedParts`,
 * planPass.ts). Each reads the source once in file order, hashes it (the whole file's SHA-1 is the
 * generator's return value), settles the parts Box already holds (a resumed session's, a plan's
 * hits) with the ledger, and yields the rest for the upload's one pipeline to send (chunked.ts).
 */
import type { UploadPart } from "../api/boxApi";
import { inlineHasher, type HashedPart, type PartHasher } from "../core/digest";
import type { PartRange } from "../core/partPlan";
import { untilAborted } from "../core/sleep";
import type { BudgetSlot, PartBudget } from "./budget";
import type { PartLedger } from "./ledger";
import { assertHeld, type PartCheck } from "./partChecks";
import type { KeptHit } from "./resume";
import type { UploadPlatform } from "./ports";
import type { PartReader } from "./sources";

/**
 * A part for the pipeline: read, with its SHA-1 and its bytes in a budget slot; or to be read
 * again in a slot of its own, with what checks it then (a plan's miss: the SHA-512 it was asked by).
 */
export type PartToSend = { part: PartRange } & ({ sha1: string; read: { bytes: Uint8Array; slot: BudgetSlot } } | { check: PartCheck });

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

/** The upload's hasher: the platform's worker where it has one, else SHA-1 in line and SHA-512 beside it. */
export function hasherFor(platform: UploadPlatform): PartHasher {
  return platform.partHasher?.() ?? inlineHasher(platform.sha1, platform.sha512, platform.movingSha512, platform.hereSha512);
}

/** Every part not yet acknowledged, read into the slot it is sent from. */
export async function* plainParts(ctx: SourceContext): AsyncGenerator<PartToSend, string> {
  const hasher = hasherFor(ctx.platform);
  try {
    yield* plainFrom(ctx, hasher, 0);
    return await untilAborted(hasher.whole(), ctx.signal);
  } finally {
    hasher.close();
  }
}

/** Parts from `from` on, each read into a slot of the budget that goes with it to the pipeline. */
export async function* plainFrom(ctx: SourceContext, hasher: PartHasher, from: number, kept?: Map<number, KeptHit>): AsyncGenerator<PartToSend, void> {
  const { ledger, signal } = ctx;
  for (let i = from; i < ledger.parts.length; i++) {
    const part = ledger.parts[i]!;
    // A slot (and its recycled buffer) returns to the budget only when its part is settled, so the
    // budget caps both requests in flight and the part memory held, across every upload sharing it.
    const slot = await ctx.budget.acquire(signal);
    // A kept hit's SHA-512 may not move the buffer to the SHA-512 thread (nothing here would take it
    // back): Web Crypto copies it. Every other part moves to a hash worker and back as it may.
    const bySha512 = keptBySha512(ctx, part, kept);
    const hashed = await hashIn(ctx, hasher, part, slot, readIn(ctx, part, slot), bySha512, !bySha512);
    if (await settledIn(ctx, part, hashed, slot, kept)) continue;
    // Hashed by SHA-512 only for a kept hit, which settled or threw above.
    yield { part, sha1: hashed.sha1!, read: { bytes: hashed.bytes, slot } };
  }
}

/** Starts reading `part` into `slot` (a zero-copy source needs none). */
export function readIn(ctx: SourceContext, part: PartRange, slot: BudgetSlot): Promise<Uint8Array> {
  const { reader } = ctx;
  return reader.read(part, reader.zeroCopy ? undefined : slot.buffer(part.size));
}

/**
 * Hashes `part` once `read` (into `slot`) ends, with its SHA-512 when asked. A buffer that went to
 * a worker and back is the slot's again; a failure drops it (an abandoned read or hash may still
 * be writing into it, so it must not pass to another part).
 */
export async function hashIn(
  ctx: SourceContext,
  hasher: PartHasher,
  part: PartRange,
  slot: BudgetSlot,
  read: Promise<Uint8Array>,
  sha512: boolean,
  /** Whether the buffer may move to another thread (false: the hasher copies what it keeps). */
  mayMove = true,
): Promise<HashedPart> {
  const copying = !ctx.reader.zeroCopy;
  try {
    const bytes = await untilAborted(read, ctx.signal);
    const hashed = await untilAborted(hasher.part(part.offset, bytes, copying && mayMove, sha512), ctx.signal);
    // Moved away for SHA-512: the slot is the caller's to take back (planPass.ts) before reuse.
    if (copying && mayMove && !hashed.back) slot.adopt(hashed.bytes);
    return hashed;
  } catch (err) {
    slot.release(true);
    throw err;
  }
}

/** What Box already holds of `part`: acknowledged earlier in this run, held by the resumed session, or (`kept`) a hit a resume record kept. */
export function heldOf(ctx: SourceContext, part: PartRange, kept?: Map<number, KeptHit>): { held: KeptHit; how: "resumed" | "planned" } | undefined {
  const held = ctx.ledger.ackOf(part) ?? ctx.held.get(part.offset);
  if (held) return { held, how: "resumed" };
  const hit = kept?.get(part.offset);
  return hit ? { held: hit, how: "planned" } : undefined;
}

/** Whether `part` is a hit a resume record kept by its SHA-512: it is then hashed by SHA-512 to be checked. */
export function keptBySha512(ctx: SourceContext, part: PartRange, kept?: Map<number, KeptHit>): boolean {
  const found = heldOf(ctx, part, kept);
  return found?.how === "planned" && found.held.sha512 !== undefined;
}

/** settleHeld, with `slot` (the part's bytes) given back when it settles or fails; false when the part must be sent from it. */
export async function settledIn(ctx: SourceContext, part: PartRange, hashed: Pick<HashedPart, "sha1" | "sha512">, slot: BudgetSlot, kept?: Map<number, KeptHit>): Promise<boolean> {
  try {
    if (!(await settleHeld(ctx, part, hashed, kept))) return false;
  } catch (err) {
    // A budget shared by a sync must not lose a slot to a file that failed.
    slot.release();
    throw err;
  }
  slot.release();
  return true;
}

/** Acknowledges `part` when Box holds it already (checked against the digest just computed); false when it must be sent. */
export async function settleHeld(ctx: SourceContext, part: PartRange, hashed: Pick<HashedPart, "sha1" | "sha512">, kept?: Map<number, KeptHit>): Promise<boolean> {
  const found = heldOf(ctx, part, kept);
  if (!found) return false;
  const sha512 = hashed.sha512 && (await untilAborted(hashed.sha512, ctx.signal));
  assertHeld(found.held, part, { sha1: hashed.sha1, sha512 });
  const check: PartCheck = hashed.sha1 !== undefined ? { sha1: hashed.sha1 } : { sha512: sha512! };
  await ctx.ledger.acknowledge(part, found.held, found.how, check);
  return true;
}
