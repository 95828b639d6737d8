/**
 * Box's upload plan (September 2026, newer than our copy of Box's description): which parts of a
 * session's file Box already holds, so they need not be sent. The upload machinery's use of it is
 * upload/planned.ts.
 */
import { BoxInputError, BoxProtocolError } from "../core/errors";
import { checkByteCount, checkSessionId, isSha512Hex } from "../core/validate";
import type { ApiCaller } from "./caller";
import { OPERATIONS } from "./operations";
import type { CallOptions, PlanPart, UploadSessionPlan } from "./types";

export function uploadPlans(caller: ApiCaller) {
  /**
   * `POST /files/upload_sessions/{id}/plan`: which of `parts` (each named by its SHA-512) Box
   * already holds (hits, with a part_id) and which it needs (misses). Every answered part must be
   * one that was asked about: anything else is a BoxProtocolError.
   */
  async function planUploadSession(sessionId: string, parts: PlanPart[], options: CallOptions = {}): Promise<UploadSessionPlan> {
    checkSessionId("sessionId", sessionId);
    if (!Array.isArray(parts) || parts.length === 0) throw new BoxInputError("parts", "must be a non-empty array");
    for (const p of parts) {
      checkByteCount("parts[].offset", p?.offset, 0);
      checkByteCount("parts[].size", p.size);
      if (!isSha512Hex(p.sha512)) throw new BoxInputError("parts[].sha512", "must be 128 lowercase hex digits");
    }
    const plan = await caller.send(OPERATIONS.planUploadSession, options, (init) =>
      caller.api.POST("/files/upload_sessions/{upload_session_id}/plan", { params: { path: { upload_session_id: sessionId } }, body: { parts }, ...init }),
    );
    const asked = new Set(parts.map((p) => `${p.offset}:${p.size}:${p.sha512}`));
    const known = (p: { offset?: unknown; size?: unknown; sha512?: unknown }) => asked.has(`${p?.offset}:${p?.size}:${p?.sha512}`);
    if (!plan || !Array.isArray(plan.hits) || !Array.isArray(plan.misses)) throw new BoxProtocolError("plan answered without hits and misses");
    if (!plan.hits.every((h) => known(h) && typeof h.part_id === "string" && h.part_id !== "") || !plan.misses.every(known)) {
      throw new BoxProtocolError("plan answered about parts it was not asked about");
    }
    return plan;
  }

  return { planUploadSession };
}

export type UploadPlans = ReturnType<typeof uploadPlans>;
