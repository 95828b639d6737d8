/**
 * The local Box server as its own process: for trying the client or the CLI without a Box account
 * (`npm run local-box`, which prints the environment lines that point box-upload at it), and for
 * benchmarks, so the client's CPU and memory are measured alone (one JSON line:
 * {"baseUrl","apiBaseUrl","token","fileId"}, and "caFile" with --tls). Stops on Ctrl-C or SIGTERM.
 *
 *   node .build/scripts/local-server.js [--env] [--port N] [--bandwidth BYTES_PER_S] [--latency MS] [--min-size BYTES] [--tls]
 *       [--uploads-per-minute N] [--calls-per-minute N] [--window-ms MS] [--plan commit|listed|refused|none]
 *
 * Like Box, it offers the upload plan by default (`--plan commit`: hits named in the commit are
 * taken); `--plan none` serves no plan endpoint, as the raw-speed benches use it.
 *
 * With rate limits, GET <origin>/_local/stats answers what they refused (for a bench to read).
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
    options: {
      env: { type: "boolean" },
      port: { type: "string" },
      bandwidth: { type: "string" },
      latency: { type: "string" },
      "min-size": { type: "string" },
      tls: { type: "boolean" },
      "uploads-per-minute": { type: "string" },
      "calls-per-minute": { type: "string" },
      "window-ms": { type: "string" },
      plan: { type: "string" },
    },
  });
  const server = new LocalBoxServer({
    ...(values.bandwidth ? { bytesPerSecond: Number(values.bandwidth) } : {}),
    ...(values.latency ? { latencyMs: Number(values.latency) } : {}),
    ...(values["min-size"] ? { minFileSize: Number(values["min-size"]) } : {}),
    ...(values["uploads-per-minute"] || values["calls-per-minute"]
      ? {
          rateLimits: {
            ...(values["uploads-per-minute"] ? { uploadsPerMinute: Number(values["uploads-per-minute"]) } : {}),
            ...(values["calls-per-minute"] ? { callsPerMinute: Number(values["calls-per-minute"]) } : {}),
            ...(values["window-ms"] ? { windowMs: Number(values["window-ms"]) } : {}),
          },
        }
      : {}),
    uploadPlan: (values.plan ?? "commit") === "none" ? { endpoint: false } : { hits: (values.plan ?? "commit") as "commit" | "listed" | "refused" },
  });
  const baseUrl = await server.start(values.port ? Number(values.port) : 0, values.tls ? { tls: true } : {});
  let caDir: string | undefined;
  let caFile: string | undefined;
  if (server.caPem !== undefined) {
    caDir = mkdtempSync(join(tmpdir(), "local-box-ca-"));
    caFile = join(caDir, "ca.pem");
    writeFileSync(caFile, server.caPem);
    process.stderr.write(`local Box server: HTTPS with a throwaway certificate; to trust it, run clients with NODE_EXTRA_CA_CERTS=${caFile}\n`);
  }
  const file = server.addFile("bench.bin", Buffer.from("v1"));
  if (values.env) {
    process.stdout.write(
      [
        `local Box server at ${server.apiBaseUrl.replace(/\/2\.0$/, "")} (state in memory; Ctrl-C stops it). In another shell:`,
        `export BOX_UPLOAD_BASE_URL=${baseUrl}`,
        `export BOX_API_BASE_URL=${server.apiBaseUrl}`,
        `export BOX_ACCESS_TOKEN=${DEFAULT_TOKEN}`,
        ...(caFile ? [`export NODE_EXTRA_CA_CERTS=${caFile}`] : []),
        `# then: box-upload new 0 FILE, or box-upload version ${file.id} FILE (file ${file.id} is there to version)`,
        "# in this clone, box-upload is: node dist/src/cli/main.js (after npm run build)",
        "",
      ].join("\n"),
    );
  } else process.stdout.write(`${JSON.stringify({ baseUrl, apiBaseUrl: server.apiBaseUrl, token: DEFAULT_TOKEN, fileId: file.id, ...(caFile ? { caFile } : {}) })}\n`);
  const stop = () =>
    void server.stop().then(() => {
      if (caDir) rmSync(caDir, { recursive: true, force: true });
      process.exit(0);
    });
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

void main();
