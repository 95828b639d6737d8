/**
 * The Node client: what every runtime's client holds (shared.ts) with Node's pieces (node:http,
 * files on disk, node:crypto, state files), plus folder sync. It holds its pieces; it inherits
 * nothing.
 */
import type { Registry } from "prom-client";
import type { BoxFile } from "../api/boxApi";
import { NO_METER } from "../core/meter";
import { checkItemId } from "../core/validate";
import { nodeApiPlatform, nodeSyncPlatform, nodeUploadPlatform } from "../platform/node";
import { nodeFsWatching } from "../platform/node/fsWatch";
import { promMeter } from "../platform/node/promMeter";
import { watchFolder, type WatchHandle, type WatchOptions } from "../watch/watchFolder";
import { syncSettings, type SyncOptions, type SyncSummary } from "../sync/options";
import type { SyncDeps } from "../sync/ports";
import { SyncRun } from "../sync/run";
import { syncFolder } from "../sync/syncFolder";
import type { UploadOptions } from "../upload/options";
import type { UploadSource } from "../upload/sources";
import { SharedClient, type BoxApi, type BoxUploadClientOptions as SharedOptions } from "./shared";

export interface BoxUploadClientOptions extends SharedOptions {
  /**
   * A prom-client registry to count this client's work in (Node only): requests by kind and
   * status, 429s, retries, waits for Box's limits, parts and files in flight, files by result,
   * bytes sent and bytes Box held. Serve it (`registry.metrics()`) where Prometheus scrapes; the
   * names are in docs/operations.md. Clients given one registry add up in it.
   */
  metrics?: Registry;
}

export class BoxUploadClient {
  readonly #shared: SharedClient;
  readonly #sync: SyncDeps;
  /**
   * The raw API: every Box operation this client calls (`createUploadSession`, `uploadPart`,
   * `commitUploadSession`, `getFile`, `folderItems`, …), one method each, with this client's
   * token, pacing and deadlines; and `api.openapi`, the typed openapi-fetch client, for the rest.
   */
  readonly api: BoxApi;
  /** The upload host's base URL, and the API host's. */
  readonly baseUrl: string;
  readonly apiBaseUrl: string;

  constructor(options: BoxUploadClientOptions) {
    const metrics = options !== null && typeof options === "object" ? options.metrics : undefined;
    const shared = new SharedClient(options, nodeApiPlatform, nodeUploadPlatform, metrics === undefined ? NO_METER : promMeter(metrics));
    this.#shared = shared;
    this.#sync = { ...shared.deps, local: nodeSyncPlatform, describe: (err) => shared.describe(err), clean: (err) => shared.clean(err), meter: shared.meter };
    this.api = shared.rawApi();
    this.baseUrl = shared.baseUrl;
    this.apiBaseUrl = shared.apiBaseUrl;
  }

  /**
   * Uploads `source` as a new version of file `fileId`, parts in parallel, and returns the
   * committed file. See {@link UploadOptions} for progress, abort, resume and retries.
   */
  uploadNewVersion(fileId: string, source: UploadSource, options?: UploadOptions): Promise<BoxFile> {
    return this.#shared.uploadNewVersion(fileId, source, options);
  }

  /** Uploads `source` as a new file named `fileName` in folder `folderId`; returns the committed file. */
  uploadNewFile(folderId: string, fileName: string, source: UploadSource, options?: UploadOptions): Promise<BoxFile> {
    return this.#shared.uploadNewFile(folderId, fileName, source, options);
  }

  /**
   * Puts the local folder `localDir` into Box folder `folderId`: sub-folders made as needed, each
   * file new, a new version, or skipped when Box already holds the same bytes (size and SHA-1).
   * One file failing does not stop the others: see the summary's `failures`. Rejects only when
   * nothing can go on (bad options, the root unreadable or unlistable, an abort).
   */
  syncFolder(localDir: string, folderId: string, options?: SyncOptions): Promise<SyncSummary> {
    return this.#shared.guarded(() => syncFolder(this.#sync, localDir, checkItemId("folderId", folderId), this.#syncDefaults(options)));
  }

  /**
   * A sync run over this client, its options checked and resolved once: the machinery
   * `syncFolder` runs on (the walk, one file's transfer, deletions, the summary), for code that
   * takes a sync's files from elsewhere or sends them elsewhere (a fleet's producer and workers).
   * Most callers want `syncFolder`.
   */
  syncRun(options?: SyncOptions): SyncRun {
    return new SyncRun(this.#sync, syncSettings(this.#syncDefaults(options)));
  }

  /**
   * Keeps Box folder `folderId` in step with `localDir` as files arrive (Node only): a sync at
   * start, then each file once it has stayed unchanged for `settleMs`, as a sync would send it. See
   * {@link WatchOptions}; `close()` the handle to stop.
   */
  watchFolder(localDir: string, folderId: string, options?: WatchOptions): Promise<WatchHandle> {
    return this.#shared.guarded(() => watchFolder(this, nodeFsWatching, localDir, checkItemId("folderId", folderId), options ?? {}));
  }

  /** `text` with every secret this client has used replaced by [redacted] (for printing server text). */
  redact(text: string): string {
    return this.#shared.redact(text);
  }

  /** Closes idle keep-alive connections; call when done so the process can exit at once. */
  close(): Promise<void> {
    return this.#shared.close();
  }

  /** The client's upload defaults that also make sense for a tree (threshold, concurrency, retries). */
  #syncDefaults(options: SyncOptions | undefined): SyncOptions | undefined {
    // As given: counted once below, with the call's own options over them.
    const d = this.#shared.uploadDefaults;
    const base: SyncOptions = {
      ...(d.chunkedThreshold !== undefined ? { chunkedThreshold: d.chunkedThreshold } : {}),
      ...(d.concurrency !== undefined ? { concurrency: d.concurrency } : {}),
      ...(d.retry !== undefined ? { retry: d.retry } : {}),
      ...(d.commitWaitMs !== undefined ? { commitWaitMs: d.commitWaitMs } : {}),
    };
    if (options === undefined) return this.#shared.counted(base);
    if (options === null || typeof options !== "object" || Array.isArray(options)) return options;
    return this.#shared.counted({ ...base, ...options });
  }
}
