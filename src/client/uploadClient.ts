/**
 * The Node client: the shared body (core.ts) with Node's pieces (node:http, files on disk,
 * node:crypto, state files), plus folder sync. It holds its pieces; it inherits nothing.
 */
import type { BoxFile } from "../api/boxApi";
import { BoxInputError } from "../core/errors";
import { checkItemId } from "../core/validate";
import { nodeApiPlatform, nodeSyncPlatform, nodeUploadPlatform } from "../platform/node";
import type { SyncOptions, SyncSummary } from "../sync/options";
import type { SyncDeps } from "../sync/ports";
import { syncFolder } from "../sync/syncFolder";
import type { UploadOptions } from "../upload/options";
import type { UploadSource } from "../upload/sources";
import { ClientCore, type BoxUploadClientOptions, type ClientSurface } from "./core";

export type { BoxUploadClientOptions } from "./core";

// Box's operations (createUploadSession, uploadPart, commitUploadSession, getFile, createFolder, …)
// are the client's own methods: the API layer's, set on each client in its constructor.
export interface BoxUploadClient extends ClientSurface {}

/** What running part of a sync elsewhere (a queue's producer or worker) takes from a client. */
export interface SyncParts {
  deps: SyncDeps;
  /** Runs `run`; whatever it fails with leaves cleaned of the client's secrets. */
  guarded<T>(run: () => Promise<T>): Promise<T>;
}

/** Each client's sync parts, kept out of its public shape. */
const parts = new WeakMap<object, SyncParts>();

/** The sync parts of `client`; not part of the public API (the queue's code takes a client through it). */
export function syncPartsOf(client: unknown): SyncParts {
  const found = typeof client === "object" && client !== null ? parts.get(client) : undefined;
  if (!found) throw new BoxInputError("client", "must be a BoxUploadClient");
  return found;
}

export class BoxUploadClient {
  readonly #core: ClientCore;

  constructor(options: BoxUploadClientOptions) {
    this.#core = new ClientCore(options, nodeApiPlatform, nodeUploadPlatform);
    Object.assign(this, this.#core.surface());
    const core = this.#core;
    parts.set(this, { deps: { ...core.deps, local: nodeSyncPlatform, describe: (err) => core.describe(err) }, guarded: (run) => core.guarded(run) });
  }

  /**
   * Uploads `source` as a new version of file `fileId`, parts in parallel, and returns the
   * committed file. See {@link UploadOptions} for progress, abort, resume and retries.
   */
  uploadNewVersion(fileId: string, source: UploadSource, options?: UploadOptions): Promise<BoxFile> {
    return this.#core.uploadNewVersion(fileId, source, options);
  }

  /** Uploads `source` as a new file named `fileName` in folder `folderId`; returns the committed file. */
  uploadNewFile(folderId: string, fileName: string, source: UploadSource, options?: UploadOptions): Promise<BoxFile> {
    return this.#core.uploadNewFile(folderId, fileName, source, options);
  }

  /**
   * Puts the local folder `localDir` into Box folder `folderId`: sub-folders made as needed, each
   * file new, a new version, or skipped when Box already holds the same bytes (size and SHA-1).
   * One file failing does not stop the others: see the summary's `failures`. Rejects only when
   * nothing can go on (bad options, the root unreadable or unlistable, an abort).
   */
  syncFolder(localDir: string, folderId: string, options?: SyncOptions): Promise<SyncSummary> {
    const { deps, guarded } = syncPartsOf(this);
    return guarded(() =>
      syncFolder(
        deps,
        localDir,
        checkItemId("folderId", folderId),
        this.#syncDefaults(options),
      ),
    );
  }

  /** `text` with every secret this client has used replaced by [redacted] (for printing server text). */
  redact(text: string): string {
    return this.#core.redact(text);
  }

  /** Closes idle keep-alive connections; call when done so the process can exit at once. */
  close(): Promise<void> {
    return this.#core.close();
  }

  /** The client's upload defaults that also make sense for a tree (threshold, concurrency, retries). */
  #syncDefaults(options: SyncOptions | undefined): SyncOptions | undefined {
    const d = this.#core.withDefaults(undefined) ?? {};
    const base: SyncOptions = {
      ...(d.chunkedThreshold !== undefined ? { chunkedThreshold: d.chunkedThreshold } : {}),
      ...(d.concurrency !== undefined ? { concurrency: d.concurrency } : {}),
      ...(d.retry !== undefined ? { retry: d.retry } : {}),
      ...(d.commitWaitMs !== undefined ? { commitWaitMs: d.commitWaitMs } : {}),
    };
    if (options === undefined) return base;
    if (options === null || typeof options !== "object" || Array.isArray(options)) return options;
    return { ...base, ...options };
  }
}
