/**
 * How fast, how frugal, and how close to the limit the uploader is. For each file size and
 * each server mode (unshaped loopback, and shaped like a link to Box), runs side by side, each in
 * its own process so CPU and peak RSS are the client's alone, with the local Box server in another:
 * our uploader at its defaults and at several concurrencies, Box's official Node SDK, and a minimal
 * uploader that does only what the API demands (the near-limit reference). Also measures what the
 * machine allows (SHA-1, file reads, raw loopback PUTs) and the typed client's per-call overhead.
 * Prints the medians and the targets, and writes everything to .bench/results-<timestamp>.json.
 *
 * Modes "tls" (shaped like "shaped") and "tls-unshaped" serve HTTPS with the local server's
 * throwaway certificate, which every client process trusts through NODE_EXTRA_CA_CERTS; each is
 * then also printed next to its plain-HTTP twin when that ran too. `--tls` adds the TLS twin of
 * every mode listed.
 *
 *   npm run bench -- [--size GIB | --sizes 0.25,1,4] [--runs 3] [--bandwidth 40000000] [--latency 50]
 *                    [--modes unshaped,shaped,tls,tls-unshaped] [--tls] [--concurrency 1,4,8]
 *                    [--micro | --skip-micro] [--cpu-prof]
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { defaultPartSize } from "../contract-tests/support/localBox/server";
import { DEFAULT_CONCURRENCY } from "../src";
import { writeRandomFile } from "../contract-tests/support/random";
import { cleanupOnSignals, withCleanup } from "../contract-tests/support/process/cleanup";
import { runJsonChild, startJsonChild, stopChild } from "../contract-tests/support/process/jsonChild";
import type { ClientResult } from "./bench/measure";
import type { PhysicalResult } from "./bench/physical";
import { modeTable, modeTitle, physicalTable, sizeHeader, sizeLabel, tlsTable, verdictLines, wrapperLines } from "./bench/report";
import { GiB } from "./bench/stats";
import { MODES, parseModes, summarize, type ClientKind, type ClientRow, type ModeName, type ModeResult, type SizeResult } from "./bench/results";
import { sizeTargets, wrapperTargets, type Verdict } from "./bench/targets";
import type { WrapperResult } from "./bench/wrapper";

interface Options {
  sizes: number[];
  runs: number;
  bytesPerSecond: number;
  latencyMs: number;
  modes: ModeName[];
  concurrencies: number[];
  micro: "only" | "also" | "skip";
  cpuProfDir: string | undefined;
}

interface Server {
  baseUrl: string;
  token: string;
  fileId: string;
  /** With --tls: the server's certificate, for NODE_EXTRA_CA_CERTS. */
  caFile?: string;
}

interface ClientSpec {
  label: string;
  kind: ClientKind;
  concurrency: number;
  isDefault: boolean;
  script: string;
  args: string[];
}

const ROOT = join(__dirname, "..", "..");
const STAMP = new Date().toISOString().replace(/[:.]/g, "-");

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return n;
}

function whole(name: string, raw: string): number {
  const n = positive(name, raw);
  if (!Number.isInteger(n)) throw new Error(`--${name} must be a whole number, got ${JSON.stringify(raw)}`);
  return n;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      size: { type: "string" },
      sizes: { type: "string" },
      runs: { type: "string", default: "3" },
      bandwidth: { type: "string", default: "40000000" },
      latency: { type: "string", default: "50" },
      modes: { type: "string", default: "unshaped,shaped" },
      tls: { type: "boolean", default: false },
      concurrency: { type: "string", default: "1,4,8" },
      micro: { type: "boolean", default: false },
      "skip-micro": { type: "boolean", default: false },
      "cpu-prof": { type: "boolean", default: false },
    },
  });
  const sizes = (values.sizes ?? values.size ?? "0.25").split(",").map((s) => Math.round(positive("sizes", s) * GiB));
  // The local server refuses chunked uploads below Box's minimum (20 MB), as Box does.
  if (sizes.some((b) => b < 20_000_000)) throw new Error("--size/--sizes are in GiB and must be at least 0.02 (20 MB)");
  const modes = parseModes(values.modes!, values.tls!);
  // The default concurrency is always measured: the targets compare at it.
  const concurrencies = [...new Set([...values.concurrency!.split(",").map((c) => whole("concurrency", c)), DEFAULT_CONCURRENCY])].sort((a, b) => a - b);
  return {
    sizes,
    runs: whole("runs", values.runs!),
    bytesPerSecond: positive("bandwidth", values.bandwidth!),
    latencyMs: values.latency === "0" ? 0 : positive("latency", values.latency!),
    modes,
    concurrencies,
    micro: values.micro ? "only" : values["skip-micro"] ? "skip" : "also",
    cpuProfDir: values["cpu-prof"] ? join(ROOT, ".bench", `profiles-${STAMP}`) : undefined,
  };
}

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function clientSpecs(o: Options, server: Server, path: string): ClientSpec[] {
  const upload = join(__dirname, "bench", "uploadFile.js");
  const minimal = join(__dirname, "bench", "minimal.js");
  // The local server has no rate limits: ours runs unpaced, to measure what the client itself can do.
  const target = ["--base-url", server.baseUrl, "--file-id", server.fileId, "--path", path];
  const ours = [...target, "--rate-limits", "off"];
  const specs: ClientSpec[] = [
    { label: "ours (default)", kind: "ours", concurrency: DEFAULT_CONCURRENCY, isDefault: true, script: upload, args: ours },
  ];
  for (const c of o.concurrencies) {
    specs.push({ label: "ours", kind: "ours", concurrency: c, isDefault: false, script: upload, args: [...ours, "--concurrency", String(c)] });
  }
  // uploadBigFile sends one part at a time (it folds the parts through a sequential reducer).
  specs.push({
    label: "official SDK",
    kind: "sdk",
    concurrency: 1,
    isDefault: false,
    script: join(__dirname, "bench", "officialSdk.js"),
    args: ["--base-url", server.baseUrl, "--path", path],
  });
  for (const c of o.concurrencies) {
    specs.push({ label: "minimal reference", kind: "minimal", concurrency: c, isDefault: false, script: minimal, args: [...target, "--concurrency", String(c)] });
  }
  return specs;
}

/** Node flags for a client: a CPU profile per run when asked for, named after what ran. */
function nodeArgs(o: Options, spec: ClientSpec, mode: string, run: number): string[] {
  if (!o.cpuProfDir) return [];
  const name = `${mode}-${spec.kind}${spec.isDefault ? "-default" : ""}-c${spec.concurrency}-run${run + 1}.cpuprofile`;
  return ["--cpu-prof", `--cpu-prof-dir=${o.cpuProfDir}`, `--cpu-prof-name=${name}`];
}

async function benchMode(o: Options, name: ModeName, path: string, bytes: number, sha1: string): Promise<ModeResult> {
  const { shaped, tls } = MODES[name];
  const serverArgs = ["--plan", "none", ...(shaped ? ["--bandwidth", String(o.bytesPerSecond), "--latency", String(o.latencyMs)] : []), ...(tls ? ["--tls"] : [])];
  const { value: server, child } = await startJsonChild<Server>(join(__dirname, "local-server.js"), serverArgs);
  return withCleanup(
    () => stopChild(child),
    async () => {
      if (tls && !server.caFile) throw new Error("local-server.js --tls printed no caFile");
      // NODE_EXTRA_CA_CERTS is read when a process starts, so every client child gets it; it
      // replaces any the bench inherited, which loopback needs no other certificate from.
      const env = { BOX_ACCESS_TOKEN: server.token, ...(server.caFile ? { NODE_EXTRA_CA_CERTS: server.caFile } : {}) };
      const mode: ModeResult = {
        name,
        ...(tls ? { tls } : {}),
        rows: [],
        sdkWallSeconds: 0,
        ...(shaped ? { bytesPerSecond: o.bytesPerSecond, latencyMs: o.latencyMs } : {}),
      };
      const specs = clientSpecs(o, server, path);
      // Generous: 1 MB/s would be far below anything measured here, yet a hang still ends.
      const timeoutMs = 120_000 + bytes / 1000;
      const rows: ClientRow[] = specs.map((s) => ({ label: s.label, kind: s.kind, concurrency: s.concurrency, isDefault: s.isDefault, runs: [] }));
      // A fresh server is slow on its first upload (JIT, first sockets): warm it with one that is
      // not counted, so whichever client comes first is not penalized.
      const warmUp = specs.find((s) => s.kind === "minimal" && s.concurrency === DEFAULT_CONCURRENCY)!;
      progress(`${sizeLabel(bytes)} ${name}: warming the server up (not counted)`);
      await runJsonChild<ClientResult>(warmUp.script, warmUp.args, { env, timeoutMs });
      // Runs go round-robin over the clients, starting one further each round, so a slow spell of
      // the machine hits them all alike and no client always follows the same one.
      for (let run = 0; run < o.runs; run++) {
        for (let k = 0; k < specs.length; k++) {
          const i = (run + k) % specs.length;
          const spec = specs[i]!;
          progress(`${sizeLabel(bytes)} ${name} run ${run + 1}/${o.runs}: ${spec.label} conc ${spec.concurrency}`);
          const started = Date.now();
          const result = (await runJsonChild<ClientResult>(spec.script, spec.args, {
            env,
            nodeArgs: nodeArgs(o, spec, name, run),
            timeoutMs,
          })).value;
          if (spec.kind === "sdk") mode.sdkWallSeconds += (Date.now() - started) / 1000;
          rows[i]!.runs.push(result);
        }
      }
      for (const row of rows) row.summary = summarize(row.runs, bytes, sha1);
      mode.rows = rows;
      return mode;
    },
  );
}

async function benchPhysical(o: Options, path: string, partSize: number): Promise<PhysicalResult[]> {
  const { value: sink, child } = await startJsonChild<{ url: string }>(join(__dirname, "bench", "sink.js"), []);
  return withCleanup(
    () => stopChild(child),
    async () => {
      const runs: PhysicalResult[] = [];
      for (let run = 0; run < o.runs; run++) {
        progress(`physical costs run ${run + 1}/${o.runs}`);
        const args = ["--path", path, "--sink", sink.url, "--part-size", String(partSize), "--concurrency", `1,${DEFAULT_CONCURRENCY}`];
        runs.push((await runJsonChild<PhysicalResult>(join(__dirname, "bench", "physical.js"), args, { timeoutMs: 600_000 })).value);
      }
      return runs;
    },
  );
}

async function benchSize(o: Options, bytes: number): Promise<SizeResult> {
  const path = join(tmpdir(), `box-bench-${process.pid}-${bytes}.bin`);
  return withCleanup(
    () => rm(path, { force: true }),
    async () => {
      progress(`writing ${sizeLabel(bytes)} test file`);
      const sha1 = await writeRandomFile(path, bytes);
      const partSize = defaultPartSize(bytes);
      const result: SizeResult = { bytes, partSize, sha1, physical: [], modes: [] };
      result.physical = await benchPhysical(o, path, partSize);
      for (const name of o.modes) result.modes.push(await benchMode(o, name, path, bytes, sha1));
      return result;
    },
  );
}

function printSize(size: SizeResult, runs: number): void {
  const lines = [sizeHeader(size, runs), "", "near-limit physical costs on this machine (client process alone)", ...physicalTable(size.physical, size.partSize)];
  for (const mode of size.modes) lines.push("", modeTitle(mode), ...modeTable(mode));
  for (const tls of size.modes.filter((m) => m.tls)) {
    const plain = size.modes.find((m) => m.name === MODES[tls.name].plain);
    if (plain) lines.push("", `TLS next to plain HTTP: ${modeTitle(plain)}`, ...tlsTable(plain, tls));
  }
  console.log(`${lines.join("\n")}\n`);
}

async function main(): Promise<void> {
  const o = options();
  cleanupOnSignals();
  const started = Date.now();
  const sizes: SizeResult[] = [];
  const verdicts: { scope: string; verdicts: Verdict[] }[] = [];
  let wrapper: WrapperResult | undefined;
  if (o.micro !== "only") {
    for (const bytes of o.sizes) {
      const size = await benchSize(o, bytes);
      sizes.push(size);
      printSize(size, o.runs);
      verdicts.push({ scope: `${sizeLabel(bytes)}, shaped, defaults (conc ${DEFAULT_CONCURRENCY})`, verdicts: sizeTargets(size) });
      if (o.modes.includes("tls")) {
        verdicts.push({ scope: `${sizeLabel(bytes)}, shaped over TLS, defaults (conc ${DEFAULT_CONCURRENCY})`, verdicts: sizeTargets(size, "tls") });
      }
    }
  }
  if (o.micro !== "skip") {
    progress("wrapper micro-benchmark");
    wrapper = (await runJsonChild<WrapperResult>(join(__dirname, "bench", "wrapper.js"), [], { timeoutMs: 600_000 })).value;
    console.log(["wrapper micro-benchmark (local server in its own process, unshaped)", ...wrapperLines(wrapper), ""].join("\n"));
    verdicts.push({ scope: "wrapper", verdicts: wrapperTargets(wrapper) });
  }
  console.log("targets");
  for (const v of verdicts) console.log([`  ${v.scope}`, ...verdictLines(v.verdicts).map((l) => `  ${l}`)].join("\n"));
  const seconds = (Date.now() - started) / 1000;
  const dir = join(ROOT, ".bench");
  await mkdir(dir, { recursive: true });
  const file = join(dir, `results-${STAMP}.json`);
  const record = { startedAt: new Date(started).toISOString(), seconds, node: process.version, cpus: cpus().length, options: o, sizes, wrapper, verdicts };
  await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`\nbench took ${seconds.toFixed(0)} s; results in ${file}${o.cpuProfDir ? `; CPU profiles in ${o.cpuProfDir}` : ""}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
