/**
 * A chunked upload's progress, as `onProgress` reports it, with one meaning per number (docs/guide.md,
 * "Progress"): `bytesSent` is file bytes this run handed to the network, in flight included, each
 * part counted once however often it was sent; `bytesResumed` what a resumed session held when this
 * run began and `bytesPlanned` what the upload plan found in Box (neither ever sent by this run);
 * `bytesUploaded` what Box holds for the upload, all three together once acknowledged. Every count
 * only goes up; a resumed session's parts count from the first event.
 */
import type { PartRange } from "../core/partPlan";
import type { UploadProgress } from "./options";

export class Progress {
  private ackedBytes = 0;
  private ackedParts = 0;
  /** Parts counted as acknowledged because the session held them when this run took it (checked as they are read). */
  private readonly held = new Set<number>();
  /** Bytes of each part this run has sent (the most of any try), by part index. */
  private readonly sentByPart = new Map<number, number>();
  private sentBytes = 0;
  private resumedBytes = 0;
  private plannedBytes = 0;
  private plan: UploadProgress["plan"];
  /** bytesUploaded and bytesSent in the last event (-1 before the first). */
  private reportedUploaded = -1;
  private reportedSent = -1;

  constructor(private readonly emit: ((progress: UploadProgress) => void) | undefined) {}

  /** A session taken: a new one (nothing held), or a resumed one holding `held`, counted at once. */
  restart(held: readonly PartRange[] = []): void {
    this.held.clear();
    this.ackedBytes = 0;
    this.ackedParts = 0;
    this.plannedBytes = 0;
    this.resumedBytes = 0;
    for (const part of held) {
      this.held.add(part.index);
      this.ackedBytes += part.size;
      this.ackedParts++;
      this.resumedBytes += part.size;
    }
  }

  acknowledged(part: PartRange, how: "sent" | "resumed" | "planned"): void {
    if (this.held.has(part.index)) return;
    this.ackedBytes += part.size;
    this.ackedParts++;
    if (how === "resumed") this.resumedBytes += part.size;
    if (how === "planned") this.plannedBytes += part.size;
    if (how === "sent") this.sent(part, part.size);
  }

  /** What became of a plan that was asked for (the next event says it). */
  planned(outcome: "used" | "unavailable"): void {
    this.plan = outcome;
    this.reportedSent = -1;
  }

  /** `bytes` of `part` handed to the network so far in this try. */
  sent(part: PartRange, bytes: number): void {
    const before = this.sentByPart.get(part.index) ?? 0;
    if (bytes <= before) return;
    this.sentByPart.set(part.index, bytes);
    this.sentBytes += bytes - before;
  }

  report(at: { sessionId: string; totalBytes: number; totalParts: number }): void {
    if (this.ackedBytes <= this.reportedUploaded && this.sentBytes <= this.reportedSent) return;
    this.reportedUploaded = Math.max(this.reportedUploaded, this.ackedBytes);
    this.reportedSent = Math.max(this.reportedSent, this.sentBytes);
    this.emit?.({
      sessionId: at.sessionId,
      bytesUploaded: this.reportedUploaded,
      bytesSent: this.reportedSent,
      bytesResumed: this.resumedBytes,
      bytesPlanned: this.plannedBytes,
      resumedParts: this.held.size,
      totalBytes: at.totalBytes,
      partsUploaded: this.ackedParts,
      totalParts: at.totalParts,
      ...(this.plan ? { plan: this.plan } : {}),
    });
  }
}
