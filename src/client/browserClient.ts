/**
 * The browser client: the shared facade with the browser's pieces (fetch, Files and Blobs,
 * hash-wasm SHA-1 in a worker, resume state in IndexedDB). Same methods as Node's; two
 * differences in the options: `sha1Worker` (where parts are hashed), and `resume`, which takes
 * `true` (the state is keyed by the file's identity) or `{ key }` instead of a file path.
 */
import type { BoxFile } from "../api/boxApi";
import { BoxInputError } from "../core/errors";
import { browserApiPlatform, browserUploadPlatform, loadSha1, Sha1Worker, wasmSha1, workerSpawner, type Sha1WorkerOption } from "../platform/browser";
import type { UploadOptions } from "../upload/options";
import { identify, type UploadTarget } from "../upload/resume";
import { openSource, type UploadSource } from "../upload/sources";
import { SharedClient, type BoxApi, type BoxUploadClientOptions as BaseOptions } from "./shared";

export interface BoxUploadClientOptions extends Omit<BaseOptions, "uploadDefaults"> {
  uploadDefaults?: BrowserUploadOptions;
  /**
   * Where SHA-1 runs. Default: a worker made from the code inlined in the bundle (a blob: URL).
   * A URL of the package's `sha1Worker.js`: a worker from that file (for a Content-Security-Policy
   * that forbids blob: workers). `false`: on the page's thread (it then blocks while hashing).
   */
  sha1Worker?: Sha1WorkerOption;
}

/**
 * The upload options, with `resume` as the browser keeps it: `true` stores the state under a key
 * made of the target and the file's identity (name, size, lastModified, and a SHA-1 of its size,
 * first and last 64 KiB), so picking the same file again after a reload continues the upload;
 * `{ key }` names the record yourself. (`{ path }` is taken as a key, so Node code runs as it is.)
 */
export type BrowserUploadOptions = Omit<UploadOptions, "resume"> & { resume?: boolean | { key: string } | { path: string } };

export class BoxUploadClient {
  readonly #shared: SharedClient;
  readonly #worker: Sha1Worker | undefined;
  readonly #disposeWorker: () => void;
  /** The raw API, as in Node: every Box operation this client calls, and `api.openapi` for the rest. */
  readonly api: BoxApi;
  /** The upload host's base URL, and the API host's. */
  readonly baseUrl: string;
  readonly apiBaseUrl: string;

  constructor(options: BoxUploadClientOptions) {
    const spawner = workerSpawner(options?.sha1Worker);
    const worker = spawner ? new Sha1Worker(spawner.spawn) : undefined;
    this.#shared = new SharedClient(options as BaseOptions, browserApiPlatform, browserUploadPlatform(worker));
    this.api = this.#shared.rawApi();
    this.baseUrl = this.#shared.baseUrl;
    this.apiBaseUrl = this.#shared.apiBaseUrl;
    this.#worker = worker;
    this.#disposeWorker = spawner?.dispose ?? (() => {});
  }

  uploadNewVersion(fileId: string, source: UploadSource, options?: BrowserUploadOptions): Promise<BoxFile> {
    return this.#shared.guarded(async () => this.#shared.uploadNewVersion(fileId, source, await this.#prepared({ kind: "version", fileId }, source, options)));
  }

  uploadNewFile(folderId: string, fileName: string, source: UploadSource, options?: BrowserUploadOptions): Promise<BoxFile> {
    return this.#shared.guarded(async () => this.#shared.uploadNewFile(folderId, fileName, source, await this.#prepared({ kind: "new", folderId, fileName }, source, options)));
  }

  /** `text` with every secret this client has used replaced by [redacted]. */
  redact(text: string): string {
    return this.#shared.redact(text);
  }

  /** Stops the SHA-1 worker; uploads still running fail. */
  async close(): Promise<void> {
    this.#worker?.terminate();
    this.#disposeWorker();
    await this.#shared.close();
  }

  /** Loads the hasher, and turns the browser's `resume` into the store key the uploader takes. */
  async #prepared(target: UploadTarget, source: UploadSource, raw: BrowserUploadOptions | undefined): Promise<UploadOptions | undefined> {
    await loadSha1();
    const options = this.#shared.withDefaults(raw as UploadOptions | undefined) as BrowserUploadOptions | undefined;
    if (options === null || typeof options !== "object" || options.resume === undefined) return options as UploadOptions | undefined;
    const { resume, ...rest } = options;
    if (resume === false) return rest as UploadOptions;
    if (resume === true) return { ...rest, resume: { path: await identityKey(target, source, rest.size) } } as UploadOptions;
    if (resume !== null && typeof resume === "object" && "key" in resume) {
      if (typeof resume.key !== "string" || resume.key === "") throw new BoxInputError("options.resume.key", "must be a non-empty string");
      return { ...rest, resume: { path: resume.key } } as UploadOptions;
    }
    return options as UploadOptions; // { path } or something the option checks refuse
  }
}

/** The store key for `resume: true`: the target and the source's identity. */
async function identityKey(target: UploadTarget, source: UploadSource, size: number | undefined): Promise<string> {
  const reader = await openSource(source, size, () => Promise.reject(new BoxInputError("source", "a browser cannot open a path")));
  try {
    if (!reader.seekable) throw new BoxInputError("options.resume", "true needs a File, Blob or Uint8Array to identify; for a stream give { key }");
    const id = await identify(reader, wasmSha1);
    const file = source as { name?: unknown; lastModified?: unknown };
    const name = typeof file.name === "string" ? file.name : "";
    const modified = typeof file.lastModified === "number" ? file.lastModified : "";
    const where = target.kind === "version" ? `version ${target.fileId}` : `new ${target.folderId}/${target.fileName}`;
    return `${where} | ${name} | ${id.size} | ${modified} | ${id.fingerprint}`;
  } finally {
    await reader.close();
  }
}
