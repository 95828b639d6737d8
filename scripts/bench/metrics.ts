/**
 * What metrics cost: the same work with a prom-client registry given to the client and without,
 * in one sitting, alternating (off then on, on then off, ...) so drift hits both alike. Against the local
 * server in a process of its own, unshaped and unpaced, so the client's CPU is the bottleneck and
 * any cost of counting shows. Two loads: one 1 GiB file (chunked, 8 MiB parts: the per-part and
 * per-progress counting) and a sync of 2,000 files of 4 KB (the per-request and per-file
 * counting). Prints MB/s (files/s) and this process's CPU seconds, medians of the rounds, and the
 * ratio on/off.
 *
 *   npm run bench:metrics -- [--rounds 3] [--gib 1] [--files 2000]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Registry } from "prom-client";
import { BoxUploadClient } from "../../src";
import { cleanupOnSignals, withCleanup } from "../../contract-tests/support/process/cleanup";
import { startJsonChild, stopChild } from "../../contract-tests/support/process/jsonChild";
import { bytesOf } from "../../contract-tests/support/random";
import { writeTree } from "../../contract-tests/support/tree";
import { GiB, MB, median, table } from "./stats";
import { createWriteStream } from "node:fs";
import { MeteredFile } from "../../src/core/meter";
import { promMeter } from "../../src/platform/node/promMeter";

interface Server {
  baseUrl: string;
  apiBaseUrl: string;
  token: string;
}

/** A file of `bytes` pseudo-random bytes, written in 8 MiB pieces. */
async function bigFile(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  const piece = bytesOf(8 * 1024 * 1024, 7);
  for (let at = 0; at < bytes; at += piece.byteLength) {
    piece[0] = at & 0xff; // each piece a little different
    if (!out.write(piece.subarray(0, Math.min(piece.byteLength, bytes - at)))) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

async function measured<T>(work: () => Promise<T>): Promise<{ seconds: number; cpu: number; value: T }> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const value = await work();
  const used = process.cpuUsage(cpu);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, cpu: (used.user + used.system) / 1e6, value };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" }, gib: { type: "string", default: "1" }, files: { type: "string", default: "2000" } } });
  cleanupOnSignals();
  const rounds = Number(values.rounds);
  const bytes = Math.round(Number(values.gib) * GiB);
  const files = Number(values.files);
  const work = await mkdtemp(join(tmpdir(), "bench-metrics-"));
  const { value: server, child } = await startJsonChild<Server>(join(__dirname, "..", "local-server.js"), ["--plan", "none"]);
  const results: Record<"off" | "on", { big: { seconds: number; cpu: number }[]; tree: { seconds: number; cpu: number }[] }> = { off: { big: [], tree: [] }, on: { big: [], tree: [] } };
  let sample = "";
  await withCleanup(
    async () => {
      await stopChild(child);
      await rm(work, { recursive: true, force: true });
    },
    async () => {
      const big = join(work, "big.bin");
      await bigFile(big, bytes);
      const tree = join(work, "tree");
      const spec: Record<string, Uint8Array> = {};
      for (let i = 0; i < files; i++) spec[`d${i % 20}/f${i}.txt`] = bytesOf(4000, 1000 + i);
      await writeTree(tree, spec);
      for (let round = 0; round < rounds; round++) {
        // Which goes first swaps every round: what one leaves behind (the server's garbage, the page cache) falls on both alike.
        for (const mode of round % 2 ? (["on", "off"] as const) : (["off", "on"] as const)) {
          const registry = mode === "on" ? new Registry() : undefined;
          const client = new BoxUploadClient({ token: server.token, baseUrl: server.baseUrl, apiBaseUrl: server.apiBaseUrl, rateLimits: "off", ...(registry ? { metrics: registry } : {}) });
          try {
            const folder = await client.api.createFolder("0", `metrics-${mode}-${round}-${Date.now()}`);
            const one = await measured(() => client.uploadNewFile(folder.id, "big.bin", big));
            results[mode].big.push(one);
            const synced = await measured(() => client.syncFolder(tree, folder.id));
            if (synced.value.uploaded !== files) throw new Error(`the sync uploaded ${synced.value.uploaded} of ${files}`);
            results[mode].tree.push(synced);
            if (registry) sample = await registry.metrics();
            process.stderr.write(`round ${round + 1} ${mode}: 1 GiB in ${one.seconds.toFixed(2)} s, ${files} files in ${synced.seconds.toFixed(2)} s\n`);
          } finally {
            await client.close();
          }
        }
      }
    },
  );
  const row = (what: string, mode: "off" | "on", r: { seconds: number; cpu: number }[], rate: (s: number) => number, unit: string) => [what, mode, `${rate(median(r.map((x) => x.seconds))).toFixed(1)} ${unit}`, median(r.map((x) => x.cpu)).toFixed(2)];
  const bigRate = (s: number) => bytes / MB / s;
  const treeRate = (s: number) => files / s;
  const ratio = (on: number[], off: number[]) => (median(on) / median(off)).toFixed(3);
  process.stdout.write(`\nmetrics off and on, ${rounds} rounds alternating, medians (local server unshaped and unpaced; this process's CPU)\n`);
  process.stdout.write(
    `${table(
      ["load", "metrics", "speed", "CPU s"],
      [
        row(`${(bytes / GiB).toFixed(0)} GiB file`, "off", results.off.big, bigRate, "MB/s"),
        row(`${(bytes / GiB).toFixed(0)} GiB file`, "on", results.on.big, bigRate, "MB/s"),
        row(`${files} files of 4 KB`, "off", results.off.tree, treeRate, "files/s"),
        row(`${files} files of 4 KB`, "on", results.on.tree, treeRate, "files/s"),
      ],
      2,
    )}\n`,
  );
  process.stdout.write(
    `on/off: 1 GiB time ${ratio(results.on.big.map((r) => r.seconds), results.off.big.map((r) => r.seconds))}, CPU ${ratio(results.on.big.map((r) => r.cpu), results.off.big.map((r) => r.cpu))}; ` +
      `tree time ${ratio(results.on.tree.map((r) => r.seconds), results.off.tree.map((r) => r.seconds))}, CPU ${ratio(results.on.tree.map((r) => r.cpu), results.off.tree.map((r) => r.cpu))}\n`,
  );
  process.stdout.write(`series in the registry after one round: ${sample.split("\n").filter((l) => l && !l.startsWith("#")).length}\n`);
  // The counting alone, without the noise of a transfer: what one small file costs the meters (a
  // request answered, its wait observed, the file in and out of flight, its bytes and result).
  const meter = promMeter(new Registry());
  const per = (n: number) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      meter.paced(0.001);
      meter.request("upload", "201");
      const file = new MeteredFile(meter);
      file.sent(4000);
      file.settled("uploaded", 4000, 0);
    }
    return Number(process.hrtime.bigint() - started) / n / 1000;
  };
  per(20_000);
  const micro = median([per(100_000), per(100_000), per(100_000)]);
  const cpuPerFile = (median(results.off.tree.map((r) => r.cpu)) / files) * 1e6;
  process.stdout.write(`counting one small file: ${micro.toFixed(2)} µs (the sync's CPU per file without metrics: ${cpuPerFile.toFixed(0)} µs, so ${((100 * micro) / cpuPerFile).toFixed(2)}%)\n`);
}

void main();
