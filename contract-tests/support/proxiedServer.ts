/** The local Box server behind the validating proxy, without a client: for tests that drive it with plain fetch. */
import { LocalBoxServer, type BoxServerOptions } from "../../scripts/tooling/localBoxServer";
import { ValidatingProxy } from "../../scripts/tooling/validatingProxy";

export interface ProxiedServer {
  server: LocalBoxServer;
  proxy: ValidatingProxy;
  /** Upload host, API host and origin, all through the proxy. */
  upload: string;
  api: string;
  origin: string;
  close(): Promise<void>;
}

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
