/**
 * The README's main job, with no Box account: start the local Box upload server, write a test
 * file, upload it as a new version with the real `box-upload` CLI (its progress bar on a terminal,
 * plain progress lines otherwise), and print the committed version's size and SHA-1, as the server
 * stored them, next to the SHA-1 of the bytes written.
 *
 * The server is shaped like a link to Box (10 MB/s per request, 30 ms per answer) so the progress
 * is there to watch; `--unshaped` runs at loopback speed.
 *
 * `--folder` shows the folder sync instead: a small tree (nested folders, 60 files, one of 30 MB)
 * goes in with `box-upload sync`, then the same command again finds everything in place.
 *
 *   npm run demo -- [--size BYTES] [--concurrency N] [--unshaped] [--folder]
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_TOKEN, LocalBoxServer } from "../contract-tests/support/localBox/server";
import { CLI_SOURCE } from "../contract-tests/support/paths";
import { bytesOf, writeRandomFile } from "../contract-tests/support/random";
import { localFilesByPath, writeTree } from "../contract-tests/support/tree";

const USAGE = `npm run demo -- [--size BYTES] [--concurrency N] [--unshaped] [--folder]

Uploads a test file (default 256 MiB) as a new version to a local Box server started for the
purpose (no account needed), with the box-upload CLI and its progress, then compares the SHA-1
Box stored with the file's. --folder syncs a small tree instead, twice. --unshaped runs at
loopback speed (default: shaped like a link to Box, 10 MB/s per request, 30 ms per answer).
Everything it writes (the test files, resume state) goes into a temporary folder it removes.
`;

/** Runs the CLI from source, sharing this terminal; resolves with its exit code. */
function runCli(args: string[], token: string, home: string): Promise<number> {
  const child = spawn(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), CLI_SOURCE, ...args], {
    // Resume state (sync's default state folder) goes under the demo's temporary folder, never the user's.
    env: { ...process.env, BOX_ACCESS_TOKEN: token, XDG_STATE_HOME: join(home, "state") },
    stdio: "inherit",
  });
  // Ctrl-C reaches the CLI too, which stops cleanly by aborting its session on our server: keep
  // serving until it has exited.
  const ignore = () => {};
  process.on("SIGINT", ignore);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      process.off("SIGINT", ignore);
      resolve(code ?? 1);
    });
  });
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        size: { type: "string", default: String(256 * 1024 * 1024 + 12345) },
        concurrency: { type: "string" },
        unshaped: { type: "boolean", default: false },
        folder: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (values.help) return void process.stdout.write(USAGE);
  if (values.folder) return folderDemo(values.unshaped!);
  const size = Number(values.size);
  const dir = await mkdtemp(join(tmpdir(), "box-demo-"));
  const server = new LocalBoxServer(values.unshaped ? {} : { bytesPerSecond: 10_000_000, latencyMs: 30 });
  const baseUrl = await server.start();
  try {
    const path = join(dir, "dataset.bin");
    const local = await writeRandomFile(path, size);
    const file = server.addFile("dataset.bin", Buffer.from("version 1\n"));
    console.log(`local Box server at ${baseUrl}; file ${file.id} has 1 version`);
    console.log(`uploading ${path} (${size} bytes) as a new version with box-upload...`);
    const concurrency = values.concurrency ? ["--concurrency", values.concurrency] : [];
    const code = await runCli(["version", file.id, path, "--base-url", baseUrl, "--api-base-url", server.apiBaseUrl, ...concurrency], DEFAULT_TOKEN, dir);
    if (code !== 0) {
      console.error(`box-upload exited with ${code}`);
      process.exitCode = code;
      return;
    }
    const committed = file.versions[file.versions.length - 1]!;
    console.log(`file id:   ${file.id}`);
    console.log(`size:      ${committed.size}`);
    console.log(`sha1:      ${committed.sha1}`);
    console.log(`local sha1 ${local} ${local === committed.sha1 ? "(matches)" : "(MISMATCH)"}`);
    console.log(`versions:  ${file.versions.length}`);
    if (local !== committed.sha1 || committed.size !== size) process.exitCode = 1;
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The folder example: a tree in, then the same command again sends nothing. */
async function folderDemo(unshaped: boolean): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), "box-demo-"));
  const dir = join(home, "tree");
  const server = new LocalBoxServer(unshaped ? {} : { bytesPerSecond: 10_000_000, latencyMs: 30 });
  const baseUrl = await server.start();
  try {
    const spec: Record<string, Uint8Array | null> = { "reports/2026/empty folder/": null };
    for (let i = 0; i < 60; i++) spec[`reports/${2020 + (i % 7)}/report ${i}.pdf`] = bytesOf(1_000 + i * 3_000, i + 1);
    await writeTree(dir, spec);
    await writeRandomFile(join(dir, "reports", "archive.zip"), 30_000_000);
    const target = server.addFolder("Backups");
    const args = ["sync", dir, target.id, "--base-url", baseUrl, "--api-base-url", server.apiBaseUrl];
    console.log(`local Box server at ${baseUrl}; syncing ${dir} into folder ${target.id} ("Backups")`);
    for (const round of ["first run", "second run (nothing changed)"]) {
      console.log(`\n$ box-upload sync <dir> ${target.id}   # ${round}`);
      const code = await runCli(args, DEFAULT_TOKEN, home);
      if (code !== 0) {
        process.exitCode = code;
        return;
      }
    }
    const local = await localFilesByPath(dir);
    const box = server.filesByPath(target.id);
    const same = [...local].every(([path, f]) => box.get(path)?.sha1 === f.sha1) && box.size === local.size;
    console.log(`\nBox folder holds ${box.size} files; local tree ${local.size}; every SHA-1 ${same ? "matches" : "DOES NOT match"}`);
    if (!same) process.exitCode = 1;
  } finally {
    await server.stop();
    await rm(home, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
  process.exitCode = 1;
});
