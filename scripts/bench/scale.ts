/**
 * The nightly run at scale: trees of many small files (by default 10,000 and 100,000; give
 * --files 1000000 where the machine allows), each synced twice into the local server (in a process
 * of its own, unshaped, no rate limits: what is measured is the client's own cost): the first run
 * uploads everything, the rerun finds everything in place through the index. For each it prints
 * seconds, files a second, requests, bytes read from local files, and the sync process's peak RSS,
 * which must not grow with the number of files beyond what the index maps. Writes
 * .bench/scale-<timestamp>.json.
 *
 *   npm run bench:scale -- [--files 10000,100000] [--per-folder 100] [--checkers 8]
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cleanupOnSignals, withCleanup } from "../../contract-tests/support/process/cleanup";
import { runJsonChild, startJsonChild, stopChild } from "../../contract-tests/support/process/jsonChild";
import { bytesOf } from "../../contract-tests/support/random";
import { MB, table } from "./stats";
import type { SyncChildResult } from "./syncChild";

const ROOT = join(__dirname, "..", "..", "..");
const STAMP = new Date().toISOString().replace(/[:.]/g, "-");
const log = (m: string) => process.stderr.write(`[bench:scale] ${m}\n`);

/** `files` files of 64 to 319 bytes, `perFolder` to a folder, the folders ten to a parent. */
async function writeTreeOf(root: string, files: number, perFolder: number): Promise<number> {
  let bytes = 0;
  for (let i = 0; i < files; i++) {
    const folder = Math.floor(i / perFolder);
    const dir = join(root, `p${Math.floor(folder / 10)}`, `f${folder % 10}`);
    if (i % perFolder === 0) await mkdir(dir, { recursive: true });
    const data = bytesOf(64 + (i % 256), i + 1);
    bytes += data.length;
    await writeFile(join(dir, `file${i}.txt`), data);
  }
  return bytes;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      files: { type: "string", default: "10000,100000" },
      "per-folder": { type: "string", default: "100" },
      checkers: { type: "string", default: "" },
    },
  });
  cleanupOnSignals();
  const rows: string[][] = [];
  const report: Record<string, unknown>[] = [];
  for (const files of values.files!.split(",").map(Number)) {
    const work = await mkdtemp(join(tmpdir(), "bench-scale-"));
    try {
      const tree = join(work, "tree");
      log(`writing ${files} files`);
      const bytes = await writeTreeOf(tree, files, Number(values["per-folder"]));
      const { value: server, child } = await startJsonChild<{ baseUrl: string; apiBaseUrl: string; token: string }>(join(__dirname, "..", "local-server.js"), ["--plan", "none"]);
      await withCleanup(
        () => stopChild(child),
        async () => {
          const state = join(work, "state");
          const args = ["--base-url", server.baseUrl, "--api-base-url", server.apiBaseUrl, "--rate-limits", "off", "--dir", tree, "--state-dir", state, ...(values.checkers ? ["--checkers", values.checkers] : [])];
          const env = { BOX_ACCESS_TOKEN: server.token };
          const child = (extra: string[]) => runJsonChild<SyncChildResult>(join(__dirname, "syncChild.js"), [...args, ...extra], { env, timeoutMs: 6 * 3600_000, nodeArgs: ["--expose-gc"] }).then((r) => r.value);
          log(`${files} files: first run`);
          const first = await child(["--folder-name", `scale-${files}`]);
          // Past the racy window: the rerun tells what a nightly rerun costs, not the seconds after writing.
          await new Promise((r) => setTimeout(r, 2100));
          log(`${files} files: rerun`);
          const rerun = await child(["--folder", first.folderId]);
          for (const [name, r] of [["first run", first], ["rerun", rerun]] as const) {
            const s = r.summary;
            rows.push([
              `${files.toLocaleString("en")} files, ${name}`,
              r.seconds.toFixed(1),
              (files / r.seconds).toFixed(0),
              String(r.requests),
              (s.bytesRead / MB).toFixed(2),
              (r.peakRssBytes / MB).toFixed(0),
              r.heapAfterGcBytes === undefined ? "-" : (r.heapAfterGcBytes / MB).toFixed(1),
              `${s.uploaded} up, ${s.skipped} skipped, ${s.failed} failed`,
            ]);
            report.push({ files, bytes, run: name, seconds: r.seconds, requests: r.requests, bytesRead: s.bytesRead, peakRssBytes: r.peakRssBytes, heapAfterGcBytes: r.heapAfterGcBytes, cpuSeconds: r.cpuSeconds, summary: s });
          }
        },
      );
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  process.stdout.write(`\nscale: small files (64-319 B), 100 to a folder, local server unshaped, no rate limits, the index in the state folder\n`);
  process.stdout.write(`${table(["run", "seconds", "files/s", "requests", "MB read", "peak RSS MB", "heap after GC MB", "note"], rows)}\n`);
  await mkdir(join(ROOT, ".bench"), { recursive: true });
  const out = join(ROOT, ".bench", `scale-${STAMP}.json`);
  await writeFile(out, JSON.stringify(report, null, 1));
  process.stdout.write(`written to ${out}\n`);
}

void main();
