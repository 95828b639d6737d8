/**
 * Box's upload plan, measured: a new version of a file (512 MiB and 1 GiB by default) on a link
 * shaped like Box's (40 MB/s per request, 50 ms per answer), planned and not, when 1 MiB changed in
 * the middle, and when the file was rewritten end to end (nothing hits: what the plan costs for
 * nothing). Planned and plain runs alternate, in one sitting; each upload runs in a process of its
 * own (wall time, CPU, peak RSS, bytes Box held). Before each, the file's current version is reset
 * to the old bytes and the server's digests of its parts are made (not measured), as Box has the
 * hashes of what it stores; the local server keeps the plan (hits named in the commit) in a process
 * of its own. Prints the ratios planned / plain, and the planning pass's speed against this
 * machine's hashing speed.
 *
 *   npm run bench:plan -- [--size-gib 0.5,1] [--runs 3]
 */
import { createHash } from "node:crypto";
import { copyFile, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BoxUploadClient } from "../../src";
import { runJsonChild, startJsonChild, stopChild } from "../../contract-tests/support/process/jsonChild";
import { bytesOf, writeRandomFile } from "../../contract-tests/support/random";
import type { ClientResult } from "./measure";
import { GiB, MB, median, MiB, table } from "./stats";

interface Server {
  baseUrl: string;
  apiBaseUrl: string;
  token: string;
  fileId: string;
}
type Run = ClientResult & { bytesPlanned: number; plannedAt: number };

async function copyWithChange(from: string, to: string, size: number, at: number, change: Buffer): Promise<void> {
  await copyFile(from, to);
  const h = await open(to, "r+");
  try {
    await h.write(change, 0, change.byteLength, Math.min(at, size - change.byteLength));
  } finally {
    await h.close();
  }
}

/** MB/s of one core hashing 256 MiB in 8 MiB parts with each of `algorithms` in turn (the pass's work on one thread). */
function hashSpeed(algorithms: string[]): number {
  const part = bytesOf(8 * MiB, 3);
  const started = process.hrtime.bigint();
  for (let i = 0; i < 32; i++) for (const a of algorithms) createHash(a).update(part).digest();
  return (32 * 8 * MiB) / MB / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** Has the server hash the current version's parts once (a plan call naming every part), then drops the session. */
async function warmDigests(client: BoxUploadClient, fileId: string, size: number): Promise<void> {
  const session = await client.api.createUploadSessionForExistingFile(fileId, { fileSize: size });
  const partSize = session.part_size!;
  const id = session.id!;
  const parts = [];
  for (let offset = 0; offset < size; offset += partSize) parts.push({ offset, size: Math.min(partSize, size - offset), sha512: "0".repeat(128) });
  for (let i = 0; i < parts.length; i += 64) await client.api.planUploadSession(id, parts.slice(i, i + 64));
  await client.api.abortUploadSession(id);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { "size-gib": { type: "string", default: "0.5,1" }, runs: { type: "string", default: "3" } } });
  const sizes = values["size-gib"]!.split(",").map((s) => Math.round(Number(s) * GiB));
  const runs = Number(values.runs);
  const work = await mkdtemp(join(tmpdir(), "bench-plan-"));
  const { value: server, child } = await startJsonChild<Server>(join(__dirname, "..", "local-server.js"), ["--plan", "commit", "--bandwidth", "40000000", "--latency", "50"]);
  const env = { BOX_ACCESS_TOKEN: server.token };
  const reset = new BoxUploadClient({ token: server.token, baseUrl: server.baseUrl, apiBaseUrl: server.apiBaseUrl, rateLimits: "off" });
  const rows: string[][] = [];
  const ratios: string[] = [];
  const passes: string[] = [];
  try {
    for (const size of sizes) {
      const label = `${size / GiB} GiB`;
      process.stderr.write(`[bench:plan] ${label}: writing the file and two new versions of it\n`);
      const before = join(work, "before.bin");
      await writeRandomFile(before, size);
      const changed = join(work, "changed.bin");
      await copyWithChange(before, changed, size, Math.floor(size / 2), bytesOf(MiB, 7));
      const rewritten = join(work, "rewritten.bin");
      await writeRandomFile(rewritten, size);
      for (const [what, path] of [["1 MiB changed", changed], ["rewritten end to end", rewritten]] as const) {
        const results: Record<"always" | "never", Run[]> = { always: [], never: [] };
        for (let i = 0; i < runs; i++) {
          for (const plan of ["always", "never"] as const) {
            await reset.uploadNewVersion(server.fileId, before, { plan: "never" });
            await warmDigests(reset, server.fileId, size);
            const args = ["--base-url", server.baseUrl, "--file-id", server.fileId, "--path", path, "--rate-limits", "off", "--plan", plan];
            results[plan].push((await runJsonChild<Run>(join(__dirname, "uploadFile.js"), args, { env })).value);
          }
        }
        const med = (plan: "always" | "never", f: (r: Run) => number) => median(results[plan].map(f));
        for (const plan of ["always", "never"] as const) {
          rows.push([
            label,
            what,
            plan === "always" ? "planned" : "not planned",
            med(plan, (r) => r.seconds).toFixed(2),
            ((size - med(plan, (r) => r.bytesPlanned)) / MB).toFixed(1),
            med(plan, (r) => r.cpuSeconds).toFixed(2),
            (med(plan, (r) => r.peakRssBytes) / MB).toFixed(0),
            results[plan].map((r) => r.seconds.toFixed(2)).join(", "),
          ]);
        }
        ratios.push(`${label}, ${what}: planned / not planned = ${(med("always", (r) => r.seconds) / med("never", (r) => r.seconds)).toFixed(2)}`);
        if (what === "1 MiB changed") {
          const at = med("always", (r) => r.plannedAt);
          passes.push(`${label}: the plan had answered for every part ${at.toFixed(2)} s after the start: ${(size / MB / at).toFixed(0)} MB/s`);
        }
      }
    }
  } finally {
    await reset.close();
    await stopChild(child);
    await rm(work, { recursive: true, force: true });
  }
  console.log(`upload plan, shaped (40 MB/s per request, +50 ms), median of ${runs}, planned and plain runs alternating`);
  console.log(table(["size", "new version", "upload", "wall s", "MB sent", "CPU s", "peak RSS MB", "runs (wall s)"], rows, 3));
  console.log("");
  for (const r of ratios) console.log(r);
  console.log("");
  console.log("planning pass (read, SHA-1 of the file, SHA-512 of each part, plan calls):");
  for (const p of passes) console.log(`  ${p}`);
  const sha512 = hashSpeed(["sha512"]);
  const sha1 = hashSpeed(["sha1"]);
  const both = hashSpeed(["sha512", "sha1"]);
  console.log(`this machine on one core: SHA-512 ${sha512.toFixed(0)} MB/s, SHA-1 ${sha1.toFixed(0)} MB/s, the pass's two hashes ${both.toFixed(0)} MB/s`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
