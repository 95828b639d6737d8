/**
 * The local Box upload server as its own process, for benchmarks (so the client's CPU and memory
 * are measured alone). Prints one JSON line: {"baseUrl","apiBaseUrl","token","fileId"} (and
 * "caFile" with --tls); stops on SIGTERM.
 *
 *   node .build/scripts/local-server.js [--bandwidth BYTES_PER_S] [--latency MS] [--min-size BYTES] [--tls]
 *
 * --tls serves HTTPS with a throwaway self-signed certificate, written to "caFile" for clients to
 * trust the usual Node way: NODE_EXTRA_CA_CERTS=<caFile> (read when a process starts).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_TOKEN, LocalBoxServer } from "../contract-tests/support/localBox/server";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { bandwidth: { type: "string" }, latency: { type: "string" }, "min-size": { type: "string" }, tls: { type: "boolean" } },
  });
  const server = new LocalBoxServer({
    ...(values.bandwidth ? { bytesPerSecond: Number(values.bandwidth) } : {}),
    ...(values.latency ? { latencyMs: Number(values.latency) } : {}),
    ...(values["min-size"] ? { minFileSize: Number(values["min-size"]) } : {}),
  });
  const baseUrl = await server.start(0, values.tls ? { tls: true } : {});
  let caDir: string | undefined;
  let caFile: string | undefined;
  if (server.caPem !== undefined) {
    caDir = mkdtempSync(join(tmpdir(), "local-box-ca-"));
    caFile = join(caDir, "ca.pem");
    writeFileSync(caFile, server.caPem);
    process.stderr.write(`local Box server: HTTPS with a throwaway certificate; to trust it, run clients with NODE_EXTRA_CA_CERTS=${caFile}\n`);
  }
  const file = server.addFile("bench.bin", Buffer.from("v1"));
  process.stdout.write(`${JSON.stringify({ baseUrl, apiBaseUrl: server.apiBaseUrl, token: DEFAULT_TOKEN, fileId: file.id, ...(caFile ? { caFile } : {}) })}\n`);
  const stop = () =>
    void server.stop().then(() => {
      if (caDir) rmSync(caDir, { recursive: true, force: true });
      process.exit(0);
    });
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

void main();
