/** Local Box server behind the validating proxy, and a client pointed at the proxy. */
import { BoxUploadClient, type BoxUploadClientOptions } from "../../src";
import { DEFAULT_TOKEN, LocalBoxServer, type BoxServerOptions } from "./localBoxServer";
import { ValidatingProxy } from "./validatingProxy";

export const KiB = 1024;
/** The part size the harness's server asks for unless told otherwise: small, so tests cover many parts with little data. */
export const PART = 256 * KiB;

export interface Harness {
  server: LocalBoxServer;
  proxy: ValidatingProxy;
  client: BoxUploadClient;
  close(): Promise<void>;
}

/**
 * Parts of `PART` bytes and no minimum size by default, and the client uploads even small files
 * through chunked sessions (chunkedThreshold 1), so tests cover many parts with little data.
 */
export async function startHarness(
  serverOptions: BoxServerOptions = {},
  clientOptions: Partial<BoxUploadClientOptions> = {},
): Promise<Harness> {
  const server = new LocalBoxServer({ minFileSize: 1, partSizeFor: () => PART, ...serverOptions });
  await server.start();
  const proxy = new ValidatingProxy(server.baseUrl);
  const baseUrl = await proxy.start();
  // Both hosts through the proxy: uploads under /api/2.0, file reads and preflights under /2.0.
  const apiBaseUrl = `${new URL(baseUrl).origin}/2.0`;
  const client = new BoxUploadClient({ token: DEFAULT_TOKEN, baseUrl, apiBaseUrl, uploadDefaults: { chunkedThreshold: 1 }, ...clientOptions });
  return {
    server,
    proxy,
    client,
    async close() {
      await client.close();
      await proxy.stop();
      await server.stop();
    },
  };
}
