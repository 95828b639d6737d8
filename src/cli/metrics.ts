/**
 * `--metrics-addr HOST:PORT`: the process's metrics served to Prometheus at /metrics for as long as
 * it runs: the client's (requests, 429s, retries, waits, parts and files, bytes), a queue's where
 * there is one, and prom-client's default process metrics. Plain node:http: one route, no body read.
 */
import { createServer, type Server } from "node:http";
import { InvalidArgumentError } from "commander";
import type { Registry } from "prom-client";

export interface MetricsAddr {
  /** Undefined: every interface (the flag was `:PORT`). */
  host: string | undefined;
  port: number;
}

export interface MetricsFlags {
  metricsAddr?: MetricsAddr;
}

export const METRICS_HELP = "serve Prometheus metrics at http://HOST:PORT/metrics while this runs (:PORT for every interface; port 0 picks one)";

export function metricsAddrFlag(value: string): MetricsAddr {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new InvalidArgumentError("must be HOST:PORT (127.0.0.1:9464, [::1]:9464, or :9464 for every interface)");
  const host = m[1] ?? m[2];
  return { host: host || undefined, port };
}

/** A registry with prom-client's default process metrics (CPU, memory, event loop lag, handles). */
export function processRegistry(): Registry {
  const prom = require("prom-client") as typeof import("prom-client");
  const registry = new prom.Registry();
  prom.collectDefaultMetrics({ register: registry });
  return registry;
}

export interface MetricsServer {
  /** Where it answers, as a URL (the port chosen, where 0 was asked). */
  url: string;
  close(): Promise<void>;
}

/** Serves `registry` at /metrics on `addr`; rejects (before anything else runs) when it cannot listen there. */
export async function serveMetrics(addr: MetricsAddr, registry: Registry): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: metrics are at /metrics\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(req.method === "HEAD" ? undefined : text),
      () => res.writeHead(500, { "content-type": "text/plain" }).end("metrics could not be collected\n"),
    );
  });
  // A scrape is short: a client that holds a connection open must not hold the process at exit.
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => reject(new InvalidArgumentError(`--metrics-addr: cannot listen on ${shown(addr)} (${err.code ?? err.message})`)));
    server.listen(addr.port, addr.host, () => resolve());
  });
  const bound = server.address();
  const port = typeof bound === "object" && bound ? bound.port : addr.port;
  const host = addr.host === undefined ? "localhost" : addr.host.includes(":") ? `[${addr.host}]` : addr.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function shown(addr: MetricsAddr): string {
  return `${addr.host === undefined ? "" : addr.host.includes(":") ? `[${addr.host}]` : addr.host}:${addr.port}`;
}

/**
 * The metrics of a command run with --metrics-addr, served from before its work starts (a busy
 * address is a usage mistake, said before anything is sent); `close` stops serving. Without the
 * flag: nothing.
 */
export async function startMetrics(flags: MetricsFlags, say: (line: string) => void): Promise<{ registry: Registry | undefined; close: () => Promise<void> }> {
  if (!flags.metricsAddr) return { registry: undefined, close: async () => undefined };
  const registry = processRegistry();
  const server = await serveMetrics(flags.metricsAddr, registry);
  say(`metrics: ${server.url}`);
  return { registry, close: () => server.close() };
}
