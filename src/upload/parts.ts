/**
 * The part pipeline: parts read in file order and sent as budget slots free up, each with its
 * Digest and exact Content-Range, each acknowledgement checked against what was sent. The run's
 * budget is the one bound on parts in flight and on memory: one recycled buffer per slot
 * (`concurrency` of them, shared by every file of a folder sync; the part being read holds a slot
 * too); the whole-file hash holds no file data.
 */
import type { UploadPart } from "../api/boxApi";
import { sha1Hex, WholeFileSha1 } from "../core/digest";
import { BoxProtocolError, SourceChangedError } from "../core/errors";
import type { PartRange } from "../core/partPlan";
import { mayHaveSucceeded, withRetry } from "../core/retry";
import { untilAborted } from "../core/sleep";
import { Pipeline } from "./pipeline";
import type { UploadState } from "./state";

/** Sends every part not already stored; returns the whole-file SHA-1. */
export async function sendParts(st: UploadState, stored: Map<number, UploadPart>): Promise<string> {
  const { source: reader, signal: caller, run } = st.job;
  const { platform } = st.deps;
  // A platform with an async hasher (a browser's worker) gets the parts' bytes moved to it and
  // back; Node hashes in line, with no await added.
  const hasher = platform.partHasher?.();
  const whole = hasher ? undefined : new WholeFileSha1(platform.sha1);
  // A slot (and its recycled buffer) returns to the budget only when its part is settled, so the
  // budget caps both requests in flight and the part memory held, across every upload sharing it.
  const budget = run.budget;
  const pipe = new Pipeline(caller);
  const signal = pipe.signal;

  try {
    for (const part of st.plan) {
      const slot = await budget.acquire(signal);
      if (pipe.stopped) {
        slot.release();
        break;
      }
      let bytes: Uint8Array;
      let sha1 = "";
      try {
        bytes = await untilAborted(reader.read(part, reader.zeroCopy ? undefined : slot.buffer(part.size)), signal);
        if (hasher) {
          ({ bytes, sha1 } = await untilAborted(hasher.part(part.offset, bytes, !reader.zeroCopy), signal));
          // The buffer went to the worker and back: keep recycling it rather than allocate anew.
          if (!reader.zeroCopy) slot.adopt(bytes);
        }
      } catch (err) {
        // An abandoned read may still be filling the buffer: it must not pass to another part.
        slot.release(true);
        throw err;
      }
      if (whole) {
        whole.update(part.offset, bytes);
        sha1 = sha1Hex(platform.sha1, bytes);
      }
      // Acknowledged already: a planned hit a resume record kept, when no plan could be had this time.
      const prior = stored.get(part.offset) ?? st.acked[part.index];
      if (st.acked[part.index] !== undefined) {
        slot.release();
        if (!holds(prior!, part, sha1)) throw new SourceChangedError(`part at offset ${part.offset} differs from what Box holds for it; the source changed since the upload began`);
        continue;
      }
      if (prior) {
        slot.release();
        if (!holds(prior, part, sha1)) {
          throw new SourceChangedError(`part at offset ${part.offset} on the server differs from the source; the source changed since the upload began`);
        }
        await st.acknowledge(part, prior, "resumed");
        continue;
      }
      pipe.spawn(async (own) => {
        let settled = false;
        try {
          await st.acknowledge(part, await sendPart(st, part, bytes, sha1, own));
          settled = true;
        } finally {
          slot.release(!settled);
        }
      });
    }
  } catch (err) {
    pipe.fail(err);
  }
  try {
    await pipe.settle(st.sessionId);
    // A stream that delivered every byte may still never end: the abort must end that wait too.
    await untilAborted(reader.finish(), caller);
    await st.saveState(true);
    return hasher ? await untilAborted(hasher.whole(), caller) : whole!.hex();
  } finally {
    hasher?.close();
  }
}

/** One part, retried per the policy. After a failure the server may have acted on, look before resending. */
export function sendPart(st: UploadState, part: PartRange, bytes: Uint8Array, sha1: string, signal = st.job.signal): Promise<UploadPart> {
  const { api } = st.deps;
  return withRetry(
    st.job.run.retry,
    async (ctx) => {
      const call = { ...st.call, signal: ctx.signal };
      if (ctx.lastError !== undefined && mayHaveSucceeded(ctx.lastError)) {
        const found = (await api.listAllUploadedParts(st.sessionId, { ...call, totalParts: st.plan.length })).find((p) => p.offset === part.offset);
        if (found && holds(found, part, sha1)) return found;
      }
      st.guard.assertMayUpload(ctx.lastError);
      const uploaded = await api.uploadPart(st.sessionId, bytes, { offset: part.offset, fileSize: st.job.source.size, sha1 }, { ...call, onBodySent: (n) => st.noteSent(part, n) });
      checkAcknowledgement(uploaded, part, sha1);
      return uploaded;
    },
    signal ? { signal } : {},
  );
}

/**
 * Whether a part the server lists is the one we mean. The sha1 is optional in the spec; where it
 * is missing the size must do, and the whole-file digest at commit still guards the content.
 */
export function holds(listed: UploadPart, part: PartRange, sha1: string | undefined): boolean {
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
