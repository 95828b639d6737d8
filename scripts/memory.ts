/**
 * Peak memory of the uploader on large files. For each size, writes a
 * random file, starts the local server in its own process, uploads the file as a new version from
 * a separate client process, and prints the client's peak RSS against the bound
 * (concurrency + 1) x part_size + 100 MB.
 *
 *   npm run memory -- [--sizes 1,4] (GiB) [--concurrency N]
 */
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_CONCURRENCY } from "../src";
import { defaultPartSize } from "../contract-tests/support/localBox/server";
import { startJsonChild, stopChild } from "../contract-tests/support/process/jsonChild";
import { GiB, MiB } from "./bench/stats";
import { writeRandomFile } from "../contract-tests/support/random";

interface Result {
  seconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
  sha1: string;
  size: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: "string", default: "1,4" }, concurrency: { type: "string" } } });
  const concurrency = Number(values.concurrency ?? DEFAULT_CONCURRENCY);
  const rows: string[] = [];
  for (const gib of values.sizes!.split(",").map(Number)) {
    const size = Math.round(gib * GiB);
    const path = join(tmpdir(), `box-memory-${size}.bin`);
    process.stderr.write(`writing ${gib} GiB test file...\n`);
    const sha1 = await writeRandomFile(path, size);
    const server = await startJsonChild<{ baseUrl: string; token: string; fileId: string }>(join(__dirname, "local-server.js"), ["--plan", "none"]);
    try {
      const { value: r } = await startJsonChild<Result>(
        join(__dirname, "bench", "uploadFile.js"),
        ["--base-url", server.value.baseUrl, "--file-id", server.value.fileId, "--path", path, "--concurrency", String(concurrency), "--rate-limits", "off"],
        { env: { BOX_ACCESS_TOKEN: server.value.token } },
      );
      const partSize = defaultPartSize(size);
      const bound = (concurrency + 1) * partSize + 100 * 1e6;
      rows.push(
        [
          `${gib} GiB`.padEnd(8),
          `${concurrency}`.padStart(4),
          `${partSize / MiB} MiB`.padStart(8),
          `${(r.peakRssBytes / 1e6).toFixed(0)} MB`.padStart(9),
          `${(bound / 1e6).toFixed(0)} MB`.padStart(9),
          r.peakRssBytes <= bound ? "within" : "OVER",
          `${r.seconds.toFixed(1)} s`.padStart(8),
          `${(r.cpuSeconds / (size / GiB)).toFixed(2)}`.padStart(6),
          r.sha1 === sha1 ? "sha1 ok" : "SHA1 MISMATCH",
        ].join("  "),
      );
    } finally {
      await stopChild(server.child);
      await rm(path, { force: true });
    }
  }
  console.log("size      conc  part      peak RSS   bound     check   wall   CPU-s/GiB  integrity");
  for (const row of rows) console.log(row);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
