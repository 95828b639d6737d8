/**
 * Box's upload plan, measured: a new version of a file (1 GiB by default) on a link shaped like
 * Box's (40 MB/s per request, 50 ms per answer), planned and not, when 1 MiB changed in the
 * middle, and when the file was rewritten end to end (nothing hits: what the plan costs for
 * nothing). Each upload runs in a process of its own (wall time, CPU, peak RSS, bytes Box held);
 * before each, the file's current version is reset to the old bytes. The local server keeps the
 * plan (hits named in the commit) in a process of its own.
 *
 *   npm run bench:plan -- [--size-gib 1] [--runs 3]
 */
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BoxUploadClient } from "../../src";
import { runJsonChild, startJsonChild, stopChild } from "../../contract-tests/support/process/jsonChild";
import { bytesOf, writeRandomFile } from "../../contract-tests/support/random";
import type { ClientResult } from "./measure";
import { GiB, MB, MiB, table } from "./stats";

interface Server {
  baseUrl: string;
  apiBaseUrl: string;
  token: string;
  fileId: string;
}

async function copyWithChange(from: string, to: string, size: number, at: number, change: Buffer): Promise<void> {
  const { copyFile } = await import("node:fs/promises");
  await copyFile(from, to);
  const h = await open(to, "r+");
  try {
    await h.write(change, 0, change.byteLength, Math.min(at, size - change.byteLength));
  } finally {
    await h.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { "size-gib": { type: "string", default: "1" }, runs: { type: "string", default: "3" } } });
  const size = Math.round(Number(values["size-gib"]) * GiB);
  const runs = Number(values.runs);
  const work = await mkdtemp(join(tmpdir(), "bench-plan-"));
  const { value: server, child } = await startJsonChild<Server>(join(__dirname, "..", "local-server.js"), ["--plan", "commit", "--bandwidth", "40000000", "--latency", "50"]);
  const env = { BOX_ACCESS_TOKEN: server.token };
  try {
    process.stderr.write(`[bench:plan] writing ${size / GiB} GiB and two new versions of it\n`);
    const before = join(work, "before.bin");
    await writeRandomFile(before, size);
    const changed = join(work, "changed.bin");
    await copyWithChange(before, changed, size, Math.floor(size / 2), bytesOf(MiB, 7));
    const rewritten = join(work, "rewritten.bin");
    await writeRandomFile(rewritten, size);
    const reset = new BoxUploadClient({ token: server.token, baseUrl: server.baseUrl, apiBaseUrl: server.apiBaseUrl, rateLimits: "off" });
    const rows: string[][] = [];
    for (const [label, path] of [["1 MiB changed", changed], ["rewritten end to end", rewritten]] as const) {
      for (const plan of ["always", "never"] as const) {
        const results: (ClientResult & { bytesPlanned: number })[] = [];
        for (let i = 0; i < runs; i++) {
          // The file's current version back to the old bytes (not measured), then the new version, measured.
          await reset.uploadNewVersion(server.fileId, before, { plan: "never" });
          const args = ["--base-url", server.baseUrl, "--file-id", server.fileId, "--path", path, "--rate-limits", "off", "--plan", plan];
          results.push((await runJsonChild<ClientResult & { bytesPlanned: number }>(join(__dirname, "uploadFile.js"), args, { env })).value);
        }
        const med = (f: (r: ClientResult & { bytesPlanned: number }) => number) => results.map(f).sort((a, b) => a - b)[Math.floor(results.length / 2)]!;
        rows.push([
          label,
          plan === "always" ? "planned" : "not planned",
          med((r) => r.seconds).toFixed(2),
          ((size - med((r) => r.bytesPlanned)) / MB).toFixed(1),
          med((r) => r.cpuSeconds).toFixed(2),
          (med((r) => r.peakRssBytes) / MB).toFixed(0),
          results.map((r) => r.seconds.toFixed(2)).join(", "),
        ]);
      }
    }
    await reset.close();
    console.log(`upload plan, ${size / GiB} GiB, shaped (40 MB/s per request, +50 ms), median of ${runs}`);
    console.log(table(["new version", "upload", "wall s", "MB sent", "CPU s", "peak RSS MB", "runs (wall s)"], rows, 2));
  } finally {
    await stopChild(child);
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
