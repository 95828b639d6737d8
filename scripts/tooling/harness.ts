/** Local Box server behind the validating proxy, and a client pointed at the proxy. */
import { createHash } from "node:crypto";
import { BoxUploadClient, type BoxClientOptions } from "../../src";
import { DEFAULT_TOKEN, LocalBoxServer, type BoxServerOptions } from "./localBoxServer";
import { ValidatingProxy } from "./validatingProxy";

export const KiB = 1024;
export const MiB = 1024 * 1024;

export interface Harness {
  server: LocalBoxServer;
  proxy: ValidatingProxy;
  client: BoxUploadClient;
  close(): Promise<void>;
}

/** Small parts and no minimum size by default, so tests cover many parts with little data. */
export async function startHarness(
  serverOptions: BoxServerOptions = {},
  clientOptions: Partial<BoxClientOptions> = {},
): Promise<Harness> {
  const server = new LocalBoxServer({ minFileSize: 1, partSizeFor: () => 256 * KiB, ...serverOptions });
  await server.start();
  const proxy = new ValidatingProxy(server.baseUrl);
  const baseUrl = await proxy.start();
  const client = new BoxUploadClient({ token: DEFAULT_TOKEN, baseUrl, ...clientOptions });
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

/** Deterministic pseudo-random bytes, so a failing size can be reproduced exactly. */
export function bytesOf(size: number, seed = size): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed ^ 0x9e3779b9) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function sha1(bytes: Uint8Array): string {
  return createHash("sha1").update(bytes).digest("hex");
}
