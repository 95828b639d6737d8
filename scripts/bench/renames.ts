/**
 * What a renamed folder costs the next mirror: a tree whose `reports/2025` (50 files) is renamed to
 * `reports/archive-2025` after a first `sync --delete`, then synced again, once with renames
 * tracked (the default: one folder move) and once with `--no-track-renames` (upload and trash).
 * Against the local server in a process of its own, shaped like a link to Box (40 MB/s per
 * request, +50 ms per answer) and paced to Box's limits as the client is by default. Prints the
 * bytes sent, the requests and the seconds of the second sync for each.
 *
 *   npm run bench:renames -- [--files 50] [--file-mb 1]
 */
import { mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BoxUploadClient } from "../../src";
import { cleanupOnSignals, withCleanup } from "../../contract-tests/support/process/cleanup";
import { startJsonChild, stopChild } from "../../contract-tests/support/process/jsonChild";
import { bytesOf } from "../../contract-tests/support/random";
import { writeTree } from "../../contract-tests/support/tree";
import { MB, table } from "./stats";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { files: { type: "string", default: "50" }, "file-mb": { type: "string", default: "1" } } });
  cleanupOnSignals();
  const files = Number(values.files);
  const size = Math.round(Number(values["file-mb"]) * MB);
  const { value: server, child } = await startJsonChild<{ baseUrl: string; apiBaseUrl: string; token: string }>(join(__dirname, "..", "local-server.js"), ["--plan", "none", "--bandwidth", "40000000", "--latency", "50"]);
  const rows: string[][] = [];
  await withCleanup(
    () => stopChild(child),
    async () => {
      for (const trackRenames of [true, false]) {
        const work = await mkdtemp(join(tmpdir(), "bench-renames-"));
        let requests = 0;
        const client = new BoxUploadClient({ token: server.token, baseUrl: server.baseUrl, apiBaseUrl: server.apiBaseUrl, onRequest: () => void requests++ });
        try {
          const root = join(work, "tree");
          const spec: Record<string, Uint8Array> = { "reports/summary.txt": bytesOf(1000, 1) };
          for (let i = 0; i < files; i++) spec[`reports/2025/r${i}.bin`] = bytesOf(size, 100 + i);
          await writeTree(root, spec);
          const dest = await client.api.createFolder("0", `renames-${trackRenames ? "tracked" : "untracked"}-${Date.now()}`);
          await client.syncFolder(root, dest.id, { deleteExtraneous: true });
          await rename(join(root, "reports/2025"), join(root, "reports/archive-2025"));
          requests = 0;
          const started = Date.now();
          const s = await client.syncFolder(root, dest.id, { deleteExtraneous: true, trackRenames });
          const seconds = (Date.now() - started) / 1000;
          rows.push([
            trackRenames ? "tracked (default)" : "--no-track-renames",
            (s.bytesSent / MB).toFixed(1),
            String(requests),
            seconds.toFixed(2),
            `${s.moved} moved, ${s.uploaded} uploaded, ${s.deleted} trashed, ${s.failed} failed`,
          ]);
        } finally {
          await client.close();
          await rm(work, { recursive: true, force: true });
        }
      }
    },
  );
  process.stdout.write(`\nthe sync after renaming a folder of ${files} files of ${size / MB} MB (shaped: 40 MB/s per request, +50 ms per answer; Box's limits)\n`);
  process.stdout.write(`${table(["second sync", "MB sent", "requests", "seconds", "note"], rows)}\n`);
}

void main();
