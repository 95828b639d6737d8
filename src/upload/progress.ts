/**
 * A chunked upload's progress, as `onProgress` reports it: bytes Box acknowledged and bytes on the
 * wire (in flight included), both only going up (after a session restart or a resent part the
 * counts hold still rather than move back); what a resumed session held and what the plan found in
 * Box counted apart, as no part of this run's sending.
 */
import type { PartRange } from "../core/partPlan";
import type { UploadProgress } from "./options";

export class Progress {
  private ackedBytes = 0;
  private ackedParts = 0;
  /** Bytes of parts in flight handed to the network so far, by part index. */
  private readonly sending = new Map<number, number>();
  private sendingBytes = 0;
  private resumedBytes = 0;
  private plannedBytes = 0;
  /** Parts the resumed session held when this run began. */
  private heldParts = 0;
  /** bytesSent in the last event (it never goes back, even after a resend). */
  private reportedSent = 0;
  /** bytesUploaded in the last event; -1 before the first. */
  private reportedBytes = -1;

  constructor(private readonly emit: ((progress: UploadProgress) => void) | undefined) {}

  /** A session taken (new, or resumed holding `held` parts): nothing acknowledged in it yet. */
  restart(held = 0): void {
    this.heldParts = held;
    this.ackedBytes = 0;
    this.ackedParts = 0;
    this.plannedBytes = 0;
    this.sending.clear();
    this.sendingBytes = 0;
  }

  acknowledged(part: PartRange, how: "sent" | "resumed" | "planned"): void {
    this.ackedBytes += part.size;
    this.ackedParts++;
    if (how === "resumed") this.resumedBytes += part.size;
    if (how === "planned") this.plannedBytes += part.size;
    this.sendingBytes -= this.sending.get(part.index) ?? 0;
    this.sending.delete(part.index);
  }

  /** `bytes` of `part` handed to the network so far (this try). */
  sent(part: PartRange, bytes: number): void {
    this.sendingBytes += bytes - (this.sending.get(part.index) ?? 0);
    this.sending.set(part.index, bytes);
  }

  report(at: { sessionId: string; totalBytes: number; totalParts: number }): void {
    const sent = Math.max(this.reportedSent, this.ackedBytes + this.sendingBytes);
    if (this.ackedBytes <= this.reportedBytes && sent <= this.reportedSent) return;
    this.reportedBytes = Math.max(this.reportedBytes, this.ackedBytes);
    this.reportedSent = Math.max(sent, this.reportedBytes);
    this.emit?.({
      sessionId: at.sessionId,
      bytesUploaded: this.reportedBytes,
      bytesSent: this.reportedSent,
      bytesResumed: this.resumedBytes,
      bytesPlanned: this.plannedBytes,
      resumedParts: this.heldParts,
      totalBytes: at.totalBytes,
      partsUploaded: this.ackedParts,
      totalParts: at.totalParts,
    });
  }
}
