/**
 * The local Box server behind the validating proxy: bare (`startProxiedServer`, for tests that
 * drive it with plain fetch) or with a client pointed at the proxy (`startHarness`).
 */
import { BoxUploadClient, type BoxUploadClientOptions, type UploadProgress } from "../../src";
import { DEFAULT_TOKEN, LocalBoxServer, type BoxServerOptions } from "./localBox/server";
import { ValidatingProxy } from "./validatingProxy";

export const KiB = 1024;
/** The part size the harness's server asks for unless told otherwise: small, so tests cover many parts with little data. */
export const PART = 256 * KiB;

export interface ProxiedServer {
  server: LocalBoxServer;
  proxy: ValidatingProxy;
  /** Upload host, API host and origin, all through the proxy. */
  upload: string;
  api: string;
  origin: string;
  close(): Promise<void>;
}

/** The server with `options` as given (Box's own minimum size and part sizes unless told otherwise), behind the proxy. */
export async function startProxiedServer(options: BoxServerOptions = {}): Promise<ProxiedServer> {
  const server = new LocalBoxServer(options);
  await server.start();
  const proxy = new ValidatingProxy(server.baseUrl);
  const upload = await proxy.start();
  return {
    server,
    proxy,
    upload,
    api: proxy.apiBaseUrl,
    origin: new URL(upload).origin,
    async close() {
      await proxy.stop();
      await server.stop();
    },
  };
}

export interface Harness {
  server: LocalBoxServer;
  proxy: ValidatingProxy;
  client: BoxUploadClient;
  close(): Promise<void>;
}

/**
 * Parts of `PART` bytes and no minimum size by default, and the client uploads even small files
 * through chunked sessions (chunkedThreshold 1), so tests cover many parts with little data. The
 * client is not paced (rateLimits "off") unless the test says how.
 */
export async function startHarness(
  serverOptions: BoxServerOptions = {},
  clientOptions: Partial<BoxUploadClientOptions> = {},
): Promise<Harness> {
  const proxied = await startProxiedServer({ minFileSize: 1, partSizeFor: () => PART, ...serverOptions });
  // Both hosts through the proxy: uploads under /api/2.0, file reads and preflights under /2.0.
  const client = new BoxUploadClient({
    token: DEFAULT_TOKEN,
    baseUrl: proxied.upload,
    apiBaseUrl: proxied.api,
    uploadDefaults: { chunkedThreshold: 1 },
    // The server keeps no rate limits unless a test asks it to, and then the test paces its client.
    ...(clientOptions.pacer || clientOptions.rateLimits ? {} : { rateLimits: "off" as const }),
    ...clientOptions,
  });
  return {
    server: proxied.server,
    proxy: proxied.proxy,
    client,
    async close() {
      await client.close();
      await proxied.close();
    },
  };
}

/**
 * A resumable new version of `fileId` from `path`, one part at a time, aborted as soon as `stopWhen`
 * says so: its resume record stays at `state` for the rerun a test makes. Throws if it was not stopped.
 */
export async function stoppedVersion(client: BoxUploadClient, fileId: string, path: string, state: string, stopWhen: (p: UploadProgress) => boolean): Promise<void> {
  const controller = new AbortController();
  const upload = client.uploadNewVersion(fileId, path, {
    resume: { path: state },
    signal: controller.signal,
    concurrency: 1,
    onProgress: (p) => stopWhen(p) && controller.abort(new Error("stop")),
  });
  const ended = await upload.then(
    () => "committed",
    () => "stopped",
  );
  if (ended !== "stopped") throw new Error("the upload meant to be stopped midway committed");
}
