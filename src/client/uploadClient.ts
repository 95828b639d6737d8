/** The Node client: the shared facade with Node's pieces (node:http, files on disk, node:crypto, state files), plus folder sync. */
import { checkItemId } from "../core/validate";
import { nodeApiPlatform, nodeSyncPlatform, nodeUploadPlatform } from "../platform/node";
import type { SyncOptions, SyncSummary } from "../sync/options";
import { syncFolder } from "../sync/syncFolder";
import { UploadClientBase, type BoxUploadClientOptions } from "./clientBase";

export type { BoxUploadClientOptions } from "./clientBase";

export class BoxUploadClient extends UploadClientBase {
  constructor(options: BoxUploadClientOptions) {
    super(options, nodeApiPlatform, nodeUploadPlatform);
  }

  /**
   * Puts the local folder `localDir` into Box folder `folderId`: sub-folders made as needed, each
   * file new, a new version, or skipped when Box already holds the same bytes (size and SHA-1).
   * One file failing does not stop the others: see the summary's `failures`. Rejects only when
   * nothing can go on (bad options, the root unreadable or unlistable, an abort).
   */
  syncFolder(localDir: string, folderId: string, options?: SyncOptions): Promise<SyncSummary> {
    return this.guarded(() =>
      syncFolder(this, this.uploadPlatform, nodeSyncPlatform, localDir, checkItemId("folderId", folderId), this.syncDefaults(options), (err) => this.describeError(err)),
    );
  }

  /** The client's upload defaults that also make sense for a tree (threshold, concurrency, retries). */
  private syncDefaults(options: SyncOptions | undefined): SyncOptions | undefined {
    const d = this.withDefaults(undefined) ?? {};
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

  /** One line for a failure in the summary, cleaned like every error that leaves the library. */
  private describeError(err: unknown): string {
    const clean = this.secrets.cleanError(err);
    return clean instanceof Error ? `${clean.name}: ${clean.message}` : this.secrets.clean(String(clean));
  }
}
