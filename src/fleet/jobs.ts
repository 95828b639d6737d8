/**
 * What goes through the queue: one job per file (where it is, where it goes, what Box held under
 * its name when the producer looked, and the run's few per-file settings) and one result per job.
 * Never a token, a secret or file content: each worker authenticates itself from its own
 * environment and reads the file from the tree it sees at the same path.
 *
 * A job's id is derived from the target folder and the file's path (as the resume state's name),
 * so a rerun, or a second producer of the same sync, adds nothing twice while the job is queued.
 */
import { createHash } from "node:crypto";
import { BoxProtocolError } from "../core/errors";
import type { FileOutcome, OnConflict, SyncSettings } from "../sync/options";
import type { RemoteItem } from "../sync/remote";
import type { FileJob } from "../sync/walk";
import type { PlanMode } from "../upload/options";

/** The settings of the producer's run that go with each of its files (the rest are each worker's own). */
export interface JobSettings {
  onConflict: OnConflict;
  chunkedThreshold: number;
  commitWaitMs: number;
  plan: PlanMode;
}

export interface FleetJobData extends JobSettings {
  /** Format of this record, so a worker of another version refuses rather than misreads it. */
  v: 2;
  /** The local root, absolute: every worker must see the tree at this same path. */
  root: string;
  /** The Box folder synced into (the resume state's name is derived from it). */
  rootId: string;
  path: string;
  name: string;
  folderId: string;
  size: number;
  mtimeMs: number;
  remote: RemoteItem | undefined;
}

/** Progress a worker reports while a file is in flight. */
export interface FleetProgress {
  /** The file needs sending (counted once in the bytes to send). */
  toSend: boolean;
  bytesSent: number;
}

export const sha1Hex = (text: string): string => createHash("sha1").update(text).digest("hex");

/** The job id: the target and the path, as the resume state's name is. */
export const jobIdFor = (rootId: string, path: string): string => sha1Hex(`${rootId}\n${path}`);

/** The producer's run settings that travel with each job. */
export function jobSettingsOf(settings: SyncSettings): JobSettings {
  const { onConflict, run } = settings;
  return { onConflict, chunkedThreshold: run.chunkedThreshold, commitWaitMs: run.commitWaitMs, plan: run.plan };
}

/** A worker's settings for one job: its own (budget, retries, transfers) with the job's (as the producer's run had them). */
export function settingsForJob(worker: SyncSettings, d: JobSettings): SyncSettings {
  return { ...worker, onConflict: d.onConflict, run: { ...worker.run, chunkedThreshold: d.chunkedThreshold, commitWaitMs: d.commitWaitMs, plan: d.plan } };
}

export function jobData(root: string, rootId: string, job: FileJob, s: JobSettings): FleetJobData {
  return {
    v: 2,
    root,
    rootId,
    path: job.path,
    name: job.name,
    folderId: job.folderId!,
    size: job.size,
    mtimeMs: job.mtimeMs,
    remote: job.remote,
    onConflict: s.onConflict,
    chunkedThreshold: s.chunkedThreshold,
    commitWaitMs: s.commitWaitMs,
    plan: s.plan,
  };
}

const text = (v: unknown) => typeof v === "string" && v.length > 0;
const count = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** A job's data checked before a worker acts on it (it came over the network, from any producer). */
export function checkJobData(raw: unknown): FleetJobData {
  const d = raw as Partial<FleetJobData> | null;
  const ok =
    d !== null &&
    typeof d === "object" &&
    d.v === 2 &&
    text(d.root) &&
    text(d.rootId) &&
    text(d.path) &&
    text(d.name) &&
    text(d.folderId) &&
    count(d.size) &&
    typeof d.mtimeMs === "number" &&
    (d.remote === undefined || d.remote === null || (typeof d.remote === "object" && text(d.remote.id) && text(d.remote.type))) &&
    ["version", "skip", "fail"].includes(d.onConflict as string) &&
    count(d.chunkedThreshold) &&
    count(d.commitWaitMs) &&
    ["auto", "always", "never"].includes(d.plan as string);
  if (!ok) throw new BoxProtocolError("queue: a job's data is not a file job of this version (another version of box-upload, or not ours)");
  return { ...(d as FleetJobData), remote: d.remote ?? undefined };
}

export function fileJobOf(d: FleetJobData): FileJob {
  return { path: d.path, name: d.name, folderId: d.folderId, size: d.size, mtimeMs: d.mtimeMs, remote: d.remote };
}

/** A job's outcome as a worker returned it, checked (it came over the network, from a worker of any version). */
export function readOutcome(raw: unknown): FileOutcome {
  const r = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const done = ["upload", "version", "skip"].includes(r.action as string) && count(r.bytesSent) && count(r.bytesPlanned);
  const failed = r.action === "fail" && typeof r.error === "string" && (r.sourceFault === undefined || r.sourceFault === true);
  if (count(r.size) && (done || failed)) return r as unknown as FileOutcome;
  return { action: "fail", size: count(r.size) ? (r.size as number) : 0, error: "a worker answered with an outcome this producer cannot read (another version?)" };
}
