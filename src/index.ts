/** The public API (Node entry). Everything a user needs, and nothing else. */
export * from "./common";
export { BoxUploadClient, type BoxUploadClientOptions } from "./client/uploadClient";
export type { ClientSurface } from "./client/core";
export { DEFAULT_TRANSFERS, MAX_TRANSFERS, type OnConflict, type SyncAction, type SyncEvent, type SyncOptions, type SyncProgress, type SyncSummary } from "./sync/options";
export {
  createFleet,
  DEFAULT_MAX_QUEUED,
  DEFAULT_STALL_TIMEOUT_MS,
  type Fleet,
  type FleetOptions,
  type FleetSyncOptions,
  type FleetWorkOptions,
} from "./fleet/fleet";
