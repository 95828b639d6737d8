/**
 * The built-in transport's proxy path, in process: no proxy code without a proxy variable, and a
 * CONNECT the proxy never answers ends, socket and all, at the idle timeout or the caller's abort.
 */
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { ROOT } from "../support/paths";
import { runJsonChild } from "../support/process/jsonChild";
import { HeldRequest } from "../../src/api/transport";
import { createNodeTransport } from "../../src/platform/node/transport";

const PROXY_VARIABLES = ["https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"];

describe("without a proxy variable", () => {
  test("the proxy libraries are not even loaded", async () => {
    const script = `
      const { createNodeTransport } = require(${JSON.stringify(join(ROOT, "dist", "src", "platform", "node", "transport.js"))});
      const { HeldRequest } = require(${JSON.stringify(join(ROOT, "dist", "src", "api", "transport.js"))});
      const t = createNodeTransport({ idleMs: 1000 });
      t.fetch(new HeldRequest("http://127.0.0.1:9/")).catch(() => undefined).then(async () => {
        await t.close();
        const loaded = Object.keys(require.cache).filter((f) => /node_modules[\\\\/](https?-proxy-agent|proxy-from-env|agent-base)[\\\\/]/.test(f));
        console.log(JSON.stringify(loaded));
      });`;
    const { value } = await runJsonChild<string[]>("-e", [script], { cleanEnv: true, stderr: "pipe" });
    expect(value).toEqual([]);
  });
});

describe("a proxy that accepts the connection and never answers CONNECT", () => {
  let server: Server;
  let sockets: Socket[];
  let closed: number;
  const saved: Record<string, string | undefined> = {};

  beforeEach(async () => {
    sockets = [];
    closed = 0;
    server = createServer((socket) => {
      sockets.push(socket);
      socket.resume(); // reads (and drops) the CONNECT, so that the client's hang-up is seen
      socket.on("error", () => undefined);
      socket.on("close", () => closed++);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    for (const name of PROXY_VARIABLES) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
    process.env.HTTPS_PROXY = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    for (const name of PROXY_VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const until = async (check: () => boolean) => {
    for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
    return check();
  };

  test("is given up after idleMs, and the socket to the proxy is closed", async () => {
    const transport = createNodeTransport({ idleMs: 300 });
    try {
      const started = Date.now();
      await expect(transport.fetch(new HeldRequest("https://127.0.0.1:1/x") as unknown as Request)).rejects.toMatchObject({ code: "ETIMEDOUT" });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(sockets).toHaveLength(1);
      expect(await until(() => closed === 1)).toBe(true);
    } finally {
      await transport.close();
    }
  });

  test("ends at the caller's abort, and the socket to the proxy is closed", async () => {
    const transport = createNodeTransport({ idleMs: 60_000 });
    try {
      const caller = new AbortController();
      const pending = transport.fetch(new HeldRequest("https://127.0.0.1:1/x", { signal: caller.signal }) as unknown as Request);
      expect(await until(() => sockets.length === 1)).toBe(true);
      const reason = new Error("stop");
      const abortedAt = Date.now();
      caller.abort(reason);
      // The caller's abort, carrying its reason, at once: not the idle timeout (60 s), not another failure.
      const err = (await pending.catch((e: unknown) => e)) as { name?: string; cause?: unknown };
      expect(Date.now() - abortedAt).toBeLessThan(1_000);
      expect(err).toMatchObject({ name: "AbortError" });
      expect(err.cause).toBe(reason);
      expect(await until(() => closed === 1)).toBe(true);
    } finally {
      await transport.close();
    }
  });
});
