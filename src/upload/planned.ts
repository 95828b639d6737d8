/**
 * Planned uploads (Box's upload plan): a new version usually differs from the last one in a few
 * places, and the plan says which parts Box already holds. One pass reads the source once and
 * hashes each part (SHA-512 for the plan, SHA-1 for its digest, and the whole file's SHA-1);
 * parts are asked about in batches as they are hashed (8, then 16, … up to 64 a call), and the
 * misses go up while the pass goes on, each read again and checked against its first read. Hits
 * are acknowledged with Box's part_id and our SHA-1; how they enter the commit is commit.ts's.
 * A plan that cannot be had at the first call (404, 405, any refusal, any failure) means a plain
 * upload; a later batch that fails is sent whole. Hits a resume record kept are not asked again.
 */
import type { UploadPart } from "../api/boxApi";
import { sha1Hex, WholeFileSha1 } from "../core/digest";
import { SourceChangedError } from "../core/errors";
import type { PartRange } from "../core/partPlan";
import { backoff } from "../core/retry";
import { sleep, untilAborted } from "../core/sleep";
import { holds, sendPart } from "./parts";
import { Pipeline } from "./pipeline";
import type { UploadState } from "./state";

/** Parts asked about in the first plan call; each next call doubles, up to MAX_BATCH. */
const FIRST_BATCH = 8;
const MAX_BATCH = 64;

/** Whether this upload asks for a plan: per the `plan` option, where the runtime has SHA-512 and the source can be read twice. */
export function wantsPlan(st: UploadState): boolean {
  const { run, source, target } = st.job;
  if (run.plan === "never" || !st.deps.platform.sha512 || !source.seekable) return false;
  return run.plan === "always" || (target.kind === "version" && st.planCall !== undefined);
}

interface Hashed {
  part: PartRange;
  sha1: string;
  sha512: string;
}

/** Sends what the plan says Box lacks; the whole file's SHA-1, or undefined when no plan could be had (then a plain upload). */
export async function sendPlanned(st: UploadState, stored: Map<number, UploadPart>): Promise<string | undefined> {
  const { source: reader, signal: caller, run } = st.job;
  const { platform, api } = st.deps;
  const whole = new WholeFileSha1(platform.sha1);
  const pipe = new Pipeline(caller);
  const signal = pipe.signal;
  const kept = new Map(st.recordedHits.map((h) => [h.offset, h]));
  let planned = 0;
  let batch: Hashed[] = [];
  let batchSize = FIRST_BATCH;

  /** A miss: read again into a budget slot, checked against its first read, sent. */
  const queue = (h: Hashed) =>
    pipe.spawn(async (own) => {
      // Its own signal (fanned out from the pipeline's), not the pipeline's: misses queued for a
      // slot would otherwise each hang a listener on one signal (Node warned at 11 on 1 GiB).
      const slot = await run.budget.acquire(own);
      let settled = false;
      try {
        const bytes = await untilAborted(reader.read(h.part, reader.zeroCopy ? undefined : slot.buffer(h.part.size)), own);
        if (sha1Hex(platform.sha1, bytes) !== h.sha1) throw new SourceChangedError(`part at offset ${h.part.offset} reads differently now; the source changed during the upload`);
        await st.acknowledge(h.part, await sendPart(st, h.part, bytes, h.sha1, own));
        settled = true;
      } finally {
        slot.release(!settled);
      }
    });

  /** Asks about the batch; false when the very first call fails (no plan: a plain upload). */
  const flush = async (): Promise<boolean> => {
    const asked = batch;
    batch = [];
    batchSize = Math.min(MAX_BATCH, batchSize * 2);
    if (asked.length === 0) return true;
    let plan;
    try {
      const parts = asked.map((h) => ({ offset: h.part.offset, size: h.part.size, sha512: h.sha512 }));
      plan = await st.retried((o) => api.planUploadSession(st.sessionId, parts, o), st.planCall ?? st.call, signal);
    } catch (err) {
      if (signal.aborted) throw err;
      if (planned === 0) return false;
      for (const h of asked) queue(h); // a later batch Box would not plan: sent whole
      return true;
    }
    planned++;
    const hits = new Map(plan.hits.map((hit) => [hit.offset, hit]));
    for (const h of asked) {
      const hit = hits.get(h.part.offset);
      if (hit && hit.size === h.part.size && hit.sha512 === h.sha512) await st.plannedHit(h.part, { part_id: hit.part_id, offset: hit.offset, size: hit.size, sha1: h.sha1 });
      else queue(h);
    }
    return true;
  };

  // The hashing pass holds one budget slot of its own for its reads.
  const slot = await run.budget.acquire(signal);
  let usable = true;
  try {
    for (const part of st.plan) {
      if (pipe.stopped) break;
      const bytes = await untilAborted(reader.read(part, reader.zeroCopy ? undefined : slot.buffer(part.size)), signal);
      whole.update(part.offset, bytes);
      const sha1 = sha1Hex(platform.sha1, bytes);
      const prior = stored.get(part.offset) ?? kept.get(part.offset);
      if (prior) {
        if (!holds(prior, part, sha1)) throw new SourceChangedError(`part at offset ${part.offset} on the server differs from the source; the source changed since the upload began`);
        if (stored.has(part.offset)) await st.acknowledge(part, prior, "resumed");
        else await st.plannedHit(part, prior);
        continue;
      }
      const sha512 = platform.sha512!();
      sha512.update(bytes);
      batch.push({ part, sha1, sha512: sha512.hex() });
      if (batch.length >= batchSize && !(usable = await flush())) break;
    }
    if (usable && !pipe.stopped) usable = await flush();
  } catch (err) {
    pipe.fail(err);
  } finally {
    slot.release(true);
  }
  await pipe.settle(st.sessionId);
  if (!usable) return undefined;
  await untilAborted(reader.finish(), caller);
  await st.saveState(true);
  return whole.hex();
}

/**
 * How the plan's hits go into the commit. Box does not document it, so each way is tried in turn
 * when a commit naming them is refused (a 4xx; never a commit that may have been applied):
 * `named` (hits listed with their part_id), `listed` (as list parts shows them, when it does),
 * `implicit` (only the parts we sent: the session holds the hits itself), and at last `uploaded`
 * (the hits sent as ordinary parts, each read again and checked). The whole file's SHA-1 in the
 * commit decides in every case: Box cannot assemble anything but the bytes we hashed.
 */
export type HitMode = "named" | "listed" | "implicit" | "uploaded";

/** The parts a commit names in `mode`. */
export function commitParts(st: UploadState, mode: HitMode): UploadPart[] {
  const all = st.acked as UploadPart[];
  return mode === "implicit" ? all.filter((_, i) => !st.planned.has(i)) : all;
}

/** Commits in `implicit` mode tried again (after a pause, from `named`) before the hits are sent: Box may only have lagged. */
const LAG_RETRIES = 2;

/**
 * The next way to try after a commit in `mode` was refused (`lagged`: how many times the ways
 * were tried again already); undefined when none is left.
 */
export async function afterRefusal(st: UploadState, mode: HitMode, lagged: number): Promise<HitMode | undefined> {
  if (st.planned.size === 0 || mode === "uploaded") return undefined;
  // Every part a hit: a commit of only what we sent would name nothing.
  const sentNone = st.planned.size === st.plan.length;
  if (mode === "named") {
    const listed = await st.retried((o) => st.deps.api.listAllUploadedParts(st.sessionId, { ...o, totalParts: st.plan.length }));
    const byOffset = new Map(listed.map((p) => [p.offset, p]));
    const hits = [...st.planned].map((i) => st.plan[i]!);
    if (hits.every((part) => { const l = byOffset.get(part.offset); return l !== undefined && holds(l, part, st.acked[part.index]?.sha1); })) {
      for (const part of hits) st.replaceHit(part, byOffset.get(part.offset)!);
      return "listed";
    }
    if (!sentNone) return "implicit";
  }
  if (mode === "listed" && !sentNone) return "implicit";
  // Box may only have lagged behind the parts (a parts_mismatch right after the last one): the ways
  // again after a pause, before anything is sent twice.
  if (lagged < LAG_RETRIES) {
    await sleep(backoff(st.job.run.retry, lagged + 1, undefined) + 1000, st.job.signal);
    return "named";
  }
  // The last way: send the hits ourselves.
  const { source, signal } = st.job;
  for (const index of [...st.planned]) {
    const part = st.plan[index]!;
    const bytes = await untilAborted(source.read(part), signal);
    const sha1 = sha1Hex(st.deps.platform.sha1, bytes);
    if (sha1 !== st.acked[index]?.sha1) throw new SourceChangedError(`part at offset ${part.offset} reads differently now; the source changed during the upload`);
    st.replace(part, await sendPart(st, part, bytes, sha1));
  }
  return "uploaded";
}
