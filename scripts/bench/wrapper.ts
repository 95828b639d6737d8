/**
 * What our typed client costs per call over the plain request it makes: N session creations
 * (`createUploadSessionForExistingFile`) against the local Box server in another process, versus
 * the same requests with global fetch (same URL, JSON body and headers, Authorization included;
 * the body read and JSON.parse'd too). Sequential calls, warm-up first, repetitions rotated so
 * drift hits every side alike; the median repetition is reported. Prints one JSON line.
 *
 *   node .build/scripts/bench/wrapper.js [--calls 1000] [--reps 5] [--warmup 300]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BoxUploadClient } from "../../src";
import { cleanupOnSignals, withCleanup } from "../../contract-tests/support/process/cleanup";
import { startJsonChild, stopChild } from "../../contract-tests/support/process/jsonChild";
import { runMain } from "./measure";
import { median } from "./stats";

/** Above the server's 20 MB minimum for chunked uploads. */
const FILE_SIZE = 30_000_000;
/** Both sides send the same User-Agent, so neither pays for a longer header. */
const USER_AGENT = "box-bench";

export interface WrapperResult {
  calls: number;
  reps: number;
  /** Median wall microseconds per call. */
  oursUs: number;
  fetchUs: number;
  overheadUs: number;
  /** Against plain fetch: the target. */
  overheadPct: number;
  /** Median client CPU microseconds per call. */
  oursCpuUs: number;
  fetchCpuUs: number;
}

interface Server {
  baseUrl: string;
  token: string;
  fileId: string;
}

type Call = () => Promise<unknown>;

async function perCall(call: Call, calls: number): Promise<{ us: number; cpuUs: number }> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await call();
  const used = process.cpuUsage(cpu);
  return { us: Number(process.hrtime.bigint() - started) / 1e3 / calls, cpuUs: (used.user + used.system) / calls };
}

function sessionRequest(server: Server): { url: string; headers: Record<string, string> } {
  return {
    url: `${server.baseUrl}/files/${server.fileId}/upload_sessions`,
    headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json", "user-agent": USER_AGENT },
  };
}

function plainFetch(server: Server): Call {
  const { url, headers } = sessionRequest(server);
  return async () => {
    const res = await fetch(url, { method: "POST", headers, body: JSON.stringify({ file_size: FILE_SIZE }) });
    const session = (await res.json()) as { id?: string };
    if (res.status !== 201 || typeof session.id !== "string") throw new Error(`plain fetch: ${res.status}`);
    return session;
  };
}

async function main(): Promise<WrapperResult> {
  const { values } = parseArgs({
    options: { calls: { type: "string", default: "1000" }, reps: { type: "string", default: "5" }, warmup: { type: "string", default: "300" } },
  });
  const [calls, reps, warmup] = [Number(values.calls), Number(values.reps), Number(values.warmup)];
  const { value: server, child } = await startJsonChild<Server>(join(__dirname, "..", "local-server.js"), ["--plan", "none"]);
  return withCleanup(() => stopChild(child), () => measureCalls(server, calls, reps, warmup));
}

async function measureCalls(server: Server, calls: number, reps: number, warmup: number): Promise<WrapperResult> {
  // Unpaced: 1,000 session creations one after another measure the client, not Box's limits.
  const client = new BoxUploadClient({ token: server.token, baseUrl: server.baseUrl, userAgent: USER_AGENT, rateLimits: "off" });
  try {
    const sides: Call[] = [() => client.api.createUploadSessionForExistingFile(server.fileId, { fileSize: FILE_SIZE }), plainFetch(server)];
    for (const side of sides) await perCall(side, warmup);
    const runs: { us: number; cpuUs: number }[][] = sides.map(() => []);
    for (let r = 0; r < reps; r++) {
      // Rotate which side goes first, so none always runs on a warmer (or fuller) server.
      for (let k = 0; k < sides.length; k++) {
        const i = (r + k) % sides.length;
        runs[i]!.push(await perCall(sides[i]!, calls));
      }
    }
    const [oursUs, fetchUs] = runs.map((rs) => median(rs.map((x) => x.us))) as [number, number];
    const [oursCpuUs, fetchCpuUs] = runs.map((rs) => median(rs.map((x) => x.cpuUs))) as [number, number];
    return {
      calls,
      reps,
      oursUs,
      fetchUs,
      overheadUs: oursUs - fetchUs,
      overheadPct: ((oursUs - fetchUs) / fetchUs) * 100,
      oursCpuUs,
      fetchCpuUs,
    };
  } finally {
    await client.close();
  }
}

if (require.main === module) {
  cleanupOnSignals();
  runMain(main);
}
