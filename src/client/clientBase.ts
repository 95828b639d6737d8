/**
 * The client facade's body, the same in every runtime: Box's upload operations (from the API
 * layer) plus the one-call uploads built on them. Each runtime's entry picks its pieces (Node:
 * `uploadClient.ts`) and passes them in once; everything below takes them as arguments.
 */
import { BoxApi, type ApiPlatform, type BoxClientOptions, type BoxFile } from "../api/boxApi";
import { checkFileName, checkItemId, checkOptionsObject } from "../core/validate";
import type { UploadOptions } from "../upload/options";
import type { UploadPlatform } from "../upload/ports";
import { upload } from "../upload/run";
import type { UploadSource } from "../upload/sources";

export interface BoxUploadClientOptions extends BoxClientOptions {
  /** Options every upload of this client starts from; each call's own options win. */
  uploadDefaults?: UploadOptions;
}

export class UploadClientBase extends BoxApi {
  protected readonly uploadPlatform: UploadPlatform;
  private readonly defaults: UploadOptions;

  constructor(options: BoxUploadClientOptions, apiPlatform: ApiPlatform, uploadPlatform: UploadPlatform) {
    super(options, apiPlatform);
    this.uploadPlatform = uploadPlatform;
    this.defaults = checkOptionsObject<UploadOptions>("uploadDefaults", options.uploadDefaults) as UploadOptions;
  }

  protected withDefaults(options: UploadOptions | undefined): UploadOptions | undefined {
    if (options === undefined) return this.defaults;
    // Anything but a plain options object goes on as it is, to be refused by the option checks.
    if (options === null || typeof options !== "object" || Array.isArray(options)) return options;
    return { ...this.defaults, ...options };
  }

  /**
   * Uploads `source` as a new version of file `fileId`, parts in parallel, and returns the
   * committed file. See {@link UploadOptions} for progress, abort, resume and retries.
   */
  uploadNewVersion(fileId: string, source: UploadSource, options?: UploadOptions): Promise<BoxFile> {
    return this.guarded(() => upload(this, this.uploadPlatform, { kind: "version", fileId: checkItemId("fileId", fileId) }, source, this.withDefaults(options)));
  }

  /** Uploads `source` as a new file named `fileName` in folder `folderId`; returns the committed file. */
  uploadNewFile(folderId: string, fileName: string, source: UploadSource, options?: UploadOptions): Promise<BoxFile> {
    return this.guarded(() =>
      upload(
        this,
        this.uploadPlatform,
        { kind: "new", folderId: checkItemId("folderId", folderId), fileName: checkFileName("fileName", fileName) },
        source,
        this.withDefaults(options),
      ),
    );
  }

  /** Runs an upload; whatever it fails with leaves cleaned of our tokens and control characters. */
  protected guarded<T>(run: () => Promise<T>): Promise<T> {
    return Promise.resolve()
      .then(run)
      .catch((err: unknown) => {
        throw this.secrets.cleanError(err);
      });
  }
}
