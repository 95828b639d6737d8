/**
 * The bandwidth cap, as an operator uses it: `box-upload new` of one 30 MB file and `box-upload
 * sync` of 8 files of 3 MB, each with `--bwlimit 4M` (4 MiB/s for the whole run), against the local
 * server (unshaped, so the cap is the only limit). Prints each time against what 4 MiB/s allows.
 *
 *   npm run bench:bwlimit -- [--rate 4M] [--runs 3]
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CLI } from "../../contract-tests/support/paths";
import { startJsonChild, stopChild } from "../../contract-tests/support/process/jsonChild";
import { writeRandomFile } from "../../contract-tests/support/random";
import { BoxUploadClient } from "../../src";
import { parseBandwidth } from "../../src/cli/pacing";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rate: { type: "string", default: "4M" }, runs: { type: "string", default: "3" } } });
  const rate = parseBandwidth(values.rate!)!;
  const work = await mkdtemp(join(tmpdir(), "bench-bwlimit-"));
  const { value: server, child } = await startJsonChild<{ baseUrl: string; apiBaseUrl: string; token: string }>(join(__dirname, "..", "local-server.js"), ["--plan", "none"]);
  try {
    const one = join(work, "one.bin");
    await writeRandomFile(one, 30_000_000);
    const tree = join(work, "tree");
    await mkdir(tree);
    for (let i = 0; i < 8; i++) await writeRandomFile(join(tree, `part ${i}.bin`), 3_000_000);
    // A fresh Box folder for each sync run, so that every run sends every byte.
    const client = new BoxUploadClient({ token: server.token, baseUrl: server.baseUrl, apiBaseUrl: server.apiBaseUrl });
    const folders: string[] = [];
    for (let i = 0; i < Number(values.runs); i++) folders.push((await client.api.createFolder("0", `sync run ${i}`)).id);
    await client.close();
    const env = { PATH: process.env.PATH, BOX_ACCESS_TOKEN: server.token, BOX_UPLOAD_BASE_URL: server.baseUrl, BOX_API_BASE_URL: server.apiBaseUrl, HOME: work };
    const time = (args: string[]) => {
      const started = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [CLI, ...args, "--bwlimit", values.rate!, "--quiet"], { env, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`box-upload ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
      return Number(process.hrtime.bigint() - started) / 1e9;
    };
    const cases = [
      { label: "new, one file of 30 MB", bytes: 30_000_000, args: (i: number) => ["new", "0", one, "--name", `one-${i}.bin`] },
      { label: "sync, 8 files of 3 MB (16 in flight)", bytes: 24_000_000, args: (i: number) => ["sync", tree, folders[i]!] },
    ];
    console.log(`--bwlimit ${values.rate} (${rate} bytes/s), ${values.runs} runs each (whole process: start-up included)`);
    for (const c of cases) {
      const ideal = c.bytes / rate;
      const seconds: number[] = [];
      for (let i = 0; i < Number(values.runs); i++) seconds.push(time(c.args(i)));
      const median = [...seconds].sort((a, b) => a - b)[Math.floor(seconds.length / 2)]!;
      const inside = median >= ideal * 0.8 && median <= ideal * 1.25 + 2;
      console.log(`${c.label.padEnd(38)} ideal ${ideal.toFixed(2)} s  median ${median.toFixed(2)} s  (${seconds.map((s) => s.toFixed(2)).join(", ")})  x${(median / ideal).toFixed(2)}  ${inside ? "within -20%/+25% +2 s" : "OUTSIDE the target"}`);
    }
  } finally {
    await stopChild(child);
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
