/** The public API (Node entry): the client, its uploads and folder sync, the fleet, and what every runtime shares (common.ts). */
export * from "./common";
export { BoxUploadClient, type BoxUploadClientOptions } from "./client/uploadClient";
export {
  DEFAULT_CHECKERS,
  DEFAULT_TRANSFERS,
  MAX_CHECKERS,
  MAX_TRANSFERS,
  type FileOutcome,
  type OnConflict,
  type SyncAction,
  type SyncEvent,
  type SyncOptions,
  type SyncProgress,
  type SyncSummary,
} from "./sync/options";
export type { SyncRun, SyncRoot, TransferOptions, WalkOptions } from "./sync/run";
export { DEFAULT_SETTLE_MS, TEMPORARY_NAMES, type WatchHandle, type WatchOptions, type WatchStatus } from "./watch/watchFolder";
export {
  createFleet,
  DEFAULT_MAX_QUEUED,
  DEFAULT_REDIS_WAIT_MS,
  DEFAULT_STALL_TIMEOUT_MS,
  type Fleet,
  type FleetOptions,
  type FleetStatus,
  type FleetSyncOptions,
  type FleetWatchOptions,
  type FleetWorkOptions,
  type JobState,
  type KindStatus,
  type RedisStatus,
  type WorkerBeat,
} from "./fleet/fleet";
