/**
 * How the upload plan's hits go into the commit: a chunked upload's private strategy. Box does not
 * document it, so each way is tried in turn when a commit naming them is refused (a 400; never a
 * commit that may have been applied): `named` (hits listed with their part_id), `listed` (as list
 * parts shows them, when it does), `implicit` (only the parts we sent: the session holds the hits
 * itself), a pause and the ways again (Box may only have lagged), and at last `uploaded` (the hits
 * sent as ordinary parts, each read again and checked). The whole file's SHA-1 in the commit
 * decides in every case: Box cannot assemble anything but the bytes we hashed.
 */
import type { UploadPart } from "../api/boxApi";
import type { PartRange } from "../core/partPlan";
import type { PartLedger } from "./ledger";
import { notHeld } from "./partChecks";

type HitMode = "named" | "listed" | "implicit" | "uploaded";

/** Times the ways are tried again after a pause before the hits are sent: Box may only have lagged. */
const LAG_RETRIES = 2;

export interface HitHost {
  ledger: PartLedger;
  /** Box's part list, by offset. */
  listParts(): Promise<Map<number, UploadPart>>;
  /** Reads `part` again, checks it, sends it, and records its acknowledgement in place of the hit. */
  resend(part: PartRange): Promise<void>;
  /** Waits before the `attempt`th round of the ways. */
  pause(attempt: number): Promise<void>;
}

export class HitStrategy {
  private mode: HitMode = "named";
  private lagged = 0;

  constructor(private readonly host: HitHost) {}

  /** The parts the next commit names. */
  commitParts(): UploadPart[] {
    return this.host.ledger.acknowledged(this.mode !== "implicit");
  }

  /** A commit naming the hits this way was refused: true when another way is left to try. */
  async refused(): Promise<boolean> {
    const { ledger } = this.host;
    const hits = ledger.hits;
    if (hits.length === 0 || this.mode === "uploaded") return false;
    // Every part a hit: a commit of only what we sent would name nothing.
    const sentNone = hits.length === ledger.parts.length;
    if (this.mode === "named") {
      const listed = await this.host.listParts();
      if (notHeld(hits, listed, (p) => ledger.checkOf(p)).length === 0) {
        for (const part of hits) ledger.replaceHit(part, listed.get(part.offset)!);
        return this.next("listed");
      }
      if (!sentNone) return this.next("implicit");
    }
    if (this.mode === "listed" && !sentNone) return this.next("implicit");
    if (this.lagged < LAG_RETRIES) {
      await this.host.pause(++this.lagged);
      return this.next("named");
    }
    for (const part of hits) await this.host.resend(part);
    return this.next("uploaded");
  }

  private next(mode: HitMode): true {
    this.mode = mode;
    return true;
  }
}
