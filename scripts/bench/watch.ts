/**
 * How long a drop folder takes: `box-upload watch` (a process of its own) on a folder, the local
 * server in this process shaped like a link to Box (40 MB/s per request, +50 ms per answer), and
 * files written into the folder one after another; for each, the time from its last write to its
 * being in Box. Prints the median and the 95th percentile for small files and for files of
 * 100 MB. The floor is --settle (a file is taken once it has not changed for that long).
 *
 *   npm run bench:watch -- [--small 40] [--big 4] [--big-mb 100] [--settle 2s]
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_TOKEN, LocalBoxServer } from "../../contract-tests/support/localBox/server";
import { runCli } from "../../contract-tests/support/process/cli";
import { cleanupOnSignals } from "../../contract-tests/support/process/cleanup";
import { bytesOf } from "../../contract-tests/support/random";
import { table } from "./stats";

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { small: { type: "string", default: "40" }, big: { type: "string", default: "4" }, "big-mb": { type: "string", default: "100" }, settle: { type: "string", default: "2s" } } });
  cleanupOnSignals();
  const server = new LocalBoxServer({ bytesPerSecond: 40_000_000, latencyMs: 50 });
  await server.start();
  const work = await mkdtemp(join(tmpdir(), "bench-watch-"));
  const root = join(work, "drop");
  await mkdir(root);
  const dest = server.addFolder("watch-bench");
  const watcher = runCli(["watch", root, dest.id, "--settle", values.settle!, "--state-dir", join(work, "state"), "--quiet"], {
    BOX_ACCESS_TOKEN: DEFAULT_TOKEN,
    BOX_UPLOAD_BASE_URL: server.baseUrl,
    BOX_API_BASE_URL: server.apiBaseUrl,
  });
  try {
    await new Promise((r) => setTimeout(r, 3000));
    const measure = async (name: string, bytes: Uint8Array): Promise<number> => {
      await writeFile(join(root, name), bytes);
      const written = Date.now();
      while (!server.filesByPath(dest.id).has(name)) await new Promise((r) => setTimeout(r, 20));
      return (Date.now() - written) / 1000;
    };
    const rows: string[][] = [];
    const small: number[] = [];
    for (let i = 0; i < Number(values.small); i++) small.push(await measure(`small-${i}.bin`, bytesOf(2000 + i, i)));
    rows.push([`${small.length} small files (2 KB)`, quantile(small, 0.5).toFixed(2), quantile(small, 0.95).toFixed(2)]);
    const big: number[] = [];
    const bigBytes = Math.round(Number(values["big-mb"]) * 1e6);
    for (let i = 0; i < Number(values.big); i++) big.push(await measure(`big-${i}.bin`, bytesOf(bigBytes, 100 + i)));
    rows.push([`${big.length} files of ${values["big-mb"]} MB`, quantile(big, 0.5).toFixed(2), quantile(big, 0.95).toFixed(2)]);
    process.stdout.write(`\nwatch: from a file's last write to the file in Box (--settle ${values.settle}; shaped: 40 MB/s per request, +50 ms per answer), one file at a time\n`);
    process.stdout.write(`${table(["files", "median s", "p95 s"], rows)}\n`);
  } finally {
    watcher.child.kill("SIGTERM");
    await watcher.done;
    await server.stop();
    await rm(work, { recursive: true, force: true });
  }
}

void main();
