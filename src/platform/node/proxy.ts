/**
 * Proxies from the environment, read as curl and most tools read them: HTTPS_PROXY for https://
 * URLs, HTTP_PROXY for http:// ones, ALL_PROXY for both, NO_PROXY for the hosts reached directly
 * (lower-case names win over upper-case ones). The decision per URL is proxy-from-env's; the
 * tunnels are https-proxy-agent's (CONNECT, so the proxy sees a host and port and then only TLS)
 * and http-proxy-agent's (absolute-URI requests, for http:// targets, i.e. loopback in practice).
 *
 * The agent libraries (~70 ms to load) are loaded only when a proxy variable is set. Their TLS is
 * Node's own with its default trust store, so NODE_EXTRA_CA_CERTS applies as everywhere else.
 * A proxy URL may hold credentials (http://user:pass@host:port); no message of ours quotes more of
 * it than its scheme, host and port.
 */
import type { Agent, ClientRequest } from "node:http";
import type { Socket } from "node:net";
import type { HttpProxyAgent as HttpProxyAgentClass } from "http-proxy-agent";
import type { HttpsProxyAgent as HttpsProxyAgentClass } from "https-proxy-agent";
import { BoxInputError, BoxProtocolError } from "../../core/errors";

/** The variables that can name a proxy; when none is set, no proxy code runs at all. */
const PROXY_VARIABLES = ["https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"];

/**
 * A request option (a symbol, so Node passes it to the agent and no further): an AbortSignal that
 * ends the request's CONNECT if it is still waiting for the proxy's answer.
 */
export const CONNECT_SIGNAL = Symbol("box-chunked-upload.connect-signal");

/** Where requests to one target origin go: through `agent`, a proxy shown as `proxy` (no credentials). */
export interface ProxyRoute {
  agent: Agent;
  proxy: string;
}

/** Options every agent of the transport is made with (keep-alive, most recently used socket first). */
export type AgentOptions = { keepAlive: true; scheduling: "lifo" };

/**
 * The proxy agents of one transport, or undefined when the environment names no proxy, so that
 * the transport then runs exactly as without this module.
 */
export function proxiesFromEnv(agentOptions: AgentOptions, env: NodeJS.ProcessEnv = process.env): ProxyAgents | undefined {
  return PROXY_VARIABLES.some((name) => env[name]) ? new ProxyAgents(agentOptions) : undefined;
}

export class ProxyAgents {
  /** One agent per target scheme and proxy URL, kept for keep-alive. */
  private readonly agents = new Map<string, ProxyRoute>();
  /** The route of each target origin (null: direct), decided at its first request. */
  private readonly routes = new Map<string, ProxyRoute | null>();
  private readonly lib = loadLibraries();

  constructor(private readonly agentOptions: AgentOptions) {}

  /** The route for `url`, or undefined to connect directly. */
  route(url: URL): ProxyRoute | undefined {
    const origin = url.origin;
    let route = this.routes.get(origin);
    if (route === undefined) {
      route = this.decide(url);
      this.routes.set(origin, route);
    }
    return route ?? undefined;
  }

  private decide(url: URL): ProxyRoute | null {
    const value = this.lib.getProxyForUrl(url.href);
    if (!value) return null;
    const variable = variableFor(url.protocol);
    let proxyUrl: URL;
    try {
      proxyUrl = new URL(value);
    } catch {
      // The value is not quoted: it may hold a password.
      throw new BoxInputError(variable, "is not a URL (expected http://host:port or https://host:port)");
    }
    if (proxyUrl.protocol !== "http:" && proxyUrl.protocol !== "https:") {
      throw new BoxInputError(variable, `names a ${proxyUrl.protocol.slice(0, -1)}:// proxy; only http:// and https:// proxies are supported`);
    }
    const key = `${url.protocol} ${proxyUrl.href}`;
    let route = this.agents.get(key);
    if (!route) {
      const agent =
        url.protocol === "https:" ? new this.lib.HttpsProxyAgent(proxyUrl, this.agentOptions) : new this.lib.HttpProxyAgent(proxyUrl, this.agentOptions);
      route = { agent, proxy: `${proxyUrl.protocol}//${proxyUrl.host}` };
      this.agents.set(key, route);
    }
    return route;
  }

  destroy(): void {
    for (const { agent } of this.agents.values()) agent.destroy();
  }
}

/**
 * The three failures https-proxy-agent reports without a code, all while waiting for the proxy's
 * answer to CONNECT, made into what the API layer classifies. A proxy that hangs up before it
 * answers has not passed the request on, so that is ECONNREFUSED: worth another try, and Box
 * cannot have seen it. An answer that is not HTTP is a BoxProtocolError. Anything else passes.
 */
export function proxyFailure(err: unknown, proxy: string): unknown {
  if (!(err instanceof Error) || (err as { code?: unknown }).code !== undefined) return err;
  if (err.message === "Proxy connection ended before receiving CONNECT response") {
    return Object.assign(new Error(`the proxy at ${proxy} closed the connection before answering CONNECT`, { cause: err }), { code: "ECONNREFUSED" });
  }
  if (err.message.includes("from proxy CONNECT response")) {
    return new BoxProtocolError(`the proxy at ${proxy} answered CONNECT with something that is not HTTP`, { cause: err });
  }
  return err;
}

/** The variable proxy-from-env took the proxy for `protocol` from, for messages. */
function variableFor(protocol: string, env: NodeJS.ProcessEnv = process.env): string {
  const scheme = protocol.slice(0, -1);
  const names = [`${scheme}_proxy`, `${scheme.toUpperCase()}_PROXY`, "all_proxy", "ALL_PROXY"];
  return names.find((name) => env[name]) ?? `${scheme.toUpperCase()}_PROXY`;
}

interface Libraries {
  getProxyForUrl(url: string): string;
  HttpsProxyAgent: typeof HttpsProxyAgentClass;
  HttpProxyAgent: typeof HttpProxyAgentClass;
}

function loadLibraries(): Libraries {
  // require(), not import: loaded only when a proxy is set. proxy-from-env ships no types.
  const { getProxyForUrl } = require("proxy-from-env") as Pick<Libraries, "getProxyForUrl">;
  const { HttpsProxyAgent } = require("https-proxy-agent") as typeof import("https-proxy-agent");
  const { HttpProxyAgent } = require("http-proxy-agent") as typeof import("http-proxy-agent");

  /**
   * https-proxy-agent cannot cancel a CONNECT the proxy never answers: its socket to the proxy
   * would stay open, and keep the process alive, until the proxy hangs up. So the socket of each
   * CONNECT gets the request's CONNECT_SIGNAL. (The library opens that socket synchronously at the
   * start of connect(), with `connectOpts`; it is swapped in for that call only.)
   */
  class CancellableHttpsProxyAgent<Uri extends string> extends HttpsProxyAgent<Uri> {
    override connect(req: ClientRequest, opts: Parameters<HttpsProxyAgentClass<Uri>["connect"]>[1]): Promise<Socket> {
      const signal = (opts as { [CONNECT_SIGNAL]?: AbortSignal })[CONNECT_SIGNAL];
      if (!signal) return super.connect(req, opts);
      const shared = this.connectOpts;
      try {
        this.connectOpts = { ...shared, signal };
        return super.connect(req, opts);
      } finally {
        this.connectOpts = shared;
      }
    }
  }
  return { getProxyForUrl, HttpsProxyAgent: CancellableHttpsProxyAgent, HttpProxyAgent };
}
