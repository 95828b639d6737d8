/**
 * A Redis of a test's or a bench's own: Debian's `redis-server` on a free loopback port, with no
 * persistence (`--save ''`, no append-only file), stopped by closeAll() or a bench's cleanup. Also
 * a plain client, and a dump of every key's content as text (to look for what must not be there).
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { registerCleanup } from "./process/cleanup";

export interface LocalRedis {
  url: string;
  port: number;
  /** A client to look inside (closed by stop). */
  client: Redis;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts redis-server and resolves once it answers PING (within 10 s, else it is killed and this
 * rejects): on a free port, or on `port` (a restart where the last one was); with `password`, it
 * requires it.
 */
export async function startRedis(options: { port?: number; password?: string } = {}): Promise<LocalRedis> {
  const port = options.port ?? (await freePort());
  const auth = options.password ? ["--requirepass", options.password] : [];
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes", ...auth], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const url = options.password ? `redis://:${options.password}@127.0.0.1:${port}/0` : `redis://127.0.0.1:${port}/0`;
  const client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => 100 });
  client.on("error", () => undefined);
  const stop = async () => {
    unregister();
    client.disconnect();
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  const unregister = registerCleanup(stop);
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if (client.status === "wait") await client.connect();
      if ((await client.ping()) === "PONG") break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`redis-server did not start on port ${port}: ${output.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, client, stop };
}

/** Every key and what it holds, as text: strings, hashes, lists, sets, sorted sets and streams alike. */
export async function dumpRedis(client: Redis): Promise<string> {
  const out: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "COUNT", 1000);
    cursor = next;
    for (const key of keys) {
      const type = await client.type(key);
      let value: unknown;
      if (type === "string") value = await client.get(key);
      else if (type === "hash") value = await client.hgetall(key);
      else if (type === "list") value = await client.lrange(key, 0, -1);
      else if (type === "set") value = await client.smembers(key);
      else if (type === "zset") value = await client.zrange(key, 0, -1, "WITHSCORES");
      else if (type === "stream") value = await client.xrange(key, "-", "+");
      out.push(`${key} (${type}): ${JSON.stringify(value)}`);
    }
  } while (cursor !== "0");
  return out.join("\n");
}
