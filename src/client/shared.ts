/**
 * What every runtime's `BoxUploadClient` holds (not inherits): the API layer put together
 * (boxApi.ts), the runtime's upload pieces, the upload defaults, and the one-call uploads built
 * on them. Every failure that leaves through here is cleaned of the client's secrets and of
 * control characters.
 */
import type { Client } from "openapi-fetch";
import type { paths } from "../../generated/box-chunked-uploads";
import { createBoxApi, type ApiCaller, type ApiPlatform, type BoxClientOptions, type BoxFile, type BoxOperations } from "../api/boxApi";
import { BoxInputError, UploadAbortedError } from "../core/errors";
import { MeteredFile, NO_METER, type FileResult, type Meter } from "../core/meter";
import type { RetryOptions } from "../core/retry";
import { checkFileName, checkItemId, checkOptionsObject } from "../core/validate";
import type { UploadOptions, UploadProgress } from "../upload/options";
import type { UploadApi, UploadDeps, UploadPlatform } from "../upload/ports";
import { startUpload } from "../upload/start";
import type { UploadSource } from "../upload/sources";

export interface BoxUploadClientOptions extends BoxClientOptions {
  /** Options every upload of this client starts from; each call's own options win. */
  uploadDefaults?: UploadOptions;
}

/**
 * The raw API, in one place (`client.api`): every Box operation this client calls, one method
 * each, with its arguments checked, its token, pacing and deadline; and `openapi`, the typed
 * openapi-fetch client (with the token) for any call of the fragment this client does not wrap.
 */
export type BoxApi = BoxOperations & {
  readonly openapi: Client<paths>;
};

export class SharedClient {
  readonly caller: ApiCaller;
  /** Every Box operation, one method each: the facade shows them as its own. */
  readonly operations: BoxOperations;
  /** What the upload machinery (and a folder sync) takes from below: every operation, and the session-endpoint rule. */
  readonly deps: UploadDeps & { api: BoxOperations & Pick<UploadApi, "sessionCall"> };
  private readonly defaults: UploadOptions;

  /** `meter`: where this client's requests, retries, parts and files are counted (an operator's metrics). */
  constructor(
    options: BoxUploadClientOptions,
    apiPlatform: ApiPlatform,
    uploadPlatform: UploadPlatform,
    readonly meter: Meter = NO_METER,
  ) {
    const { caller, operations } = createBoxApi(options, apiPlatform, meter);
    this.caller = caller;
    this.operations = operations;
    this.deps = { api: { ...operations, sessionCall: (session, endpoint) => caller.sessionCall(session, endpoint) }, platform: uploadPlatform };
    this.defaults = checkOptionsObject<UploadOptions>("uploadDefaults", options.uploadDefaults) as UploadOptions;
  }

  /** `client.api`: the operations, and the openapi-fetch client. */
  rawApi(): BoxApi {
    return Object.freeze({ ...this.operations, openapi: this.caller.api });
  }

  get baseUrl(): string {
    return this.caller.origins.baseUrl;
  }
  get apiBaseUrl(): string {
    return this.caller.origins.apiBaseUrl;
  }

  /** The client's upload defaults as given (nothing counted yet). */
  get uploadDefaults(): UploadOptions {
    return this.defaults;
  }

  /** The client's upload defaults under a call's own options, its retries counted. */
  withDefaults(options: UploadOptions | undefined): UploadOptions | undefined {
    if (options === undefined) return this.counted(this.defaults);
    // Anything but a plain options object goes on as it is, to be refused by the option checks.
    if (options === null || typeof options !== "object" || Array.isArray(options)) return options;
    return this.counted({ ...this.defaults, ...options });
  }

  /**
   * `options` with each retry also counted by the meter (before the caller's own onRetry). Options
   * the checks will refuse go on as they are, so the refusal names what the caller gave.
   */
  counted<T extends { retry?: RetryOptions }>(options: T): T {
    if (this.meter === NO_METER) return options;
    const retry = options.retry;
    if (retry !== undefined && (retry === null || typeof retry !== "object")) return options;
    const own = retry?.onRetry;
    if (own !== undefined && typeof own !== "function") return options;
    const meter = this.meter;
    return { ...options, retry: { ...retry, onRetry: (event) => (meter.retried(), own?.(event)) } };
  }

  uploadNewVersion(fileId: string, source: UploadSource, options?: UploadOptions): Promise<BoxFile> {
    return this.guarded(() => {
      const target = { kind: "version", fileId: checkItemId("fileId", fileId) } as const;
      return this.metered("versioned", this.withDefaults(options), (o) => startUpload(this.deps, target, source, o));
    });
  }

  uploadNewFile(folderId: string, fileName: string, source: UploadSource, options?: UploadOptions): Promise<BoxFile> {
    return this.guarded(() => {
      const target = { kind: "new", folderId: checkItemId("folderId", folderId), fileName: checkFileName("fileName", fileName) } as const;
      return this.metered("uploaded", this.withDefaults(options), (o) => startUpload(this.deps, target, source, o));
    });
  }

  /**
   * One upload call, counted as a file by the meter: in flight until it ends, its bytes as its
   * progress tells them, its result; a call refused before it started (bad input) or aborted is
   * no result. Options the checks will refuse go on as they are.
   */
  private async metered(result: FileResult, options: UploadOptions | undefined, run: (options: UploadOptions | undefined) => Promise<BoxFile>): Promise<BoxFile> {
    if (this.meter === NO_METER || (options !== undefined && (options === null || typeof options !== "object" || Array.isArray(options)))) return run(options);
    const own = options?.onProgress;
    if (own !== undefined && typeof own !== "function") return run(options);
    const file = new MeteredFile(this.meter);
    let last: UploadProgress | undefined;
    try {
      const done = await run({
        ...options,
        onProgress: (p) => {
          last = p;
          file.sent(p.bytesSent);
          own?.(p);
        },
      });
      file.settled(result, last?.bytesSent ?? 0, last?.bytesPlanned ?? 0);
      return done;
    } catch (err) {
      if (err instanceof BoxInputError || err instanceof UploadAbortedError) file.dropped();
      else file.settled("failed", last?.bytesSent ?? 0, 0);
      throw err;
    }
  }

  /** Runs `run`; whatever it fails with leaves cleaned of our secrets and control characters. */
  guarded<T>(run: () => Promise<T>): Promise<T> {
    return Promise.resolve()
      .then(run)
      .catch((err: unknown) => {
        throw this.caller.secrets.cleanError(err);
      });
  }

  /** Closes idle keep-alive connections. */
  close(): Promise<void> {
    return this.caller.close();
  }

  /** `text` with every secret this client has used replaced by [redacted], control characters escaped. */
  redact(text: string): string {
    return this.caller.secrets.clean(String(text));
  }

  /** `err` cleaned of our secrets and control characters, as every error that leaves the library is. */
  clean(err: unknown): unknown {
    return this.caller.secrets.cleanError(err);
  }

  /** One line for a failure in a summary, cleaned like every error that leaves the library. */
  describe(err: unknown): string {
    const clean = this.caller.secrets.cleanError(err);
    return clean instanceof Error ? `${clean.name}: ${clean.message}` : this.redact(String(clean));
  }
}
