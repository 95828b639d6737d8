/**
 * The local Box upload server as its own process, for benchmarks (so the client's CPU and memory
 * are measured alone). Prints one JSON line: {"baseUrl","token","fileId"}; stops on SIGTERM.
 *
 *   node .build/scripts/local-server.js [--bandwidth BYTES_PER_S] [--latency MS] [--min-size BYTES]
 */
import { parseArgs } from "node:util";
import { DEFAULT_TOKEN, LocalBoxServer } from "./tooling/localBoxServer";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { bandwidth: { type: "string" }, latency: { type: "string" }, "min-size": { type: "string" } },
  });
  const server = new LocalBoxServer({
    ...(values.bandwidth ? { bytesPerSecond: Number(values.bandwidth) } : {}),
    ...(values.latency ? { latencyMs: Number(values.latency) } : {}),
    ...(values["min-size"] ? { minFileSize: Number(values["min-size"]) } : {}),
  });
  const baseUrl = await server.start();
  const file = server.addFile("bench.bin", Buffer.from("v1"));
  process.stdout.write(`${JSON.stringify({ baseUrl, token: DEFAULT_TOKEN, fileId: file.id })}\n`);
  const stop = () => void server.stop().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

void main();
