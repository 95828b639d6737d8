/**
 * The README's main job, with no Box account: start the local Box upload server, write a test
 * file, upload it as a new version with live progress, and print the committed file's id, size
 * and SHA-1 next to the SHA-1 of the bytes on disk.
 *
 * The server is shaped like a link to Box (10 MB/s per request, 30 ms per answer) so the progress
 * is there to watch; `--unshaped` runs at loopback speed.
 *
 *   npm run demo -- [--size BYTES] [--concurrency N] [--unshaped]
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BoxUploadClient } from "../src";
import { createProgressView } from "../src/cli/progressView";
import { DEFAULT_TOKEN, LocalBoxServer } from "./tooling/localBoxServer";

async function sha1OfFile(path: string): Promise<string> {
  const hash = createHash("sha1");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: "string", default: String(256 * 1024 * 1024 + 12345) },
      concurrency: { type: "string" },
      unshaped: { type: "boolean", default: false },
    },
  });
  const size = Number(values.size);
  const dir = await mkdtemp(join(tmpdir(), "box-demo-"));
  const server = new LocalBoxServer(values.unshaped ? {} : { bytesPerSecond: 10_000_000, latencyMs: 30 });
  const baseUrl = await server.start();
  const client = new BoxUploadClient({ token: DEFAULT_TOKEN, baseUrl });
  try {
    const path = join(dir, "dataset.bin");
    // Random bytes, written in 16 MiB slices so the demo itself stays small in memory.
    for (let written = 0; written < size; written += 16 * 1024 * 1024) {
      await writeFile(path, randomBytes(Math.min(16 * 1024 * 1024, size - written)), { flag: written ? "a" : "w" });
    }
    const existing = server.addFile("dataset.bin", Buffer.from("version 1\n"));
    console.log(`local Box server at ${baseUrl}; file ${existing.id} has 1 version`);
    console.log(`uploading ${path} (${size} bytes) as a new version...`);
    const started = Date.now();
    const view = createProgressView(process.stdout.isTTY ? "tty" : "lines", process.stdout);
    const file = await client.uploadNewVersion(existing.id, path, {
      ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
      onProgress: (p) => view.update(p),
    });
    view.stop();
    const seconds = (Date.now() - started) / 1000;
    const local = await sha1OfFile(path);
    console.log(`committed in ${seconds.toFixed(2)} s`);
    console.log(`file id:   ${file.id}`);
    console.log(`size:      ${file.size}`);
    console.log(`sha1:      ${file.sha1}`);
    console.log(`local sha1 ${local} ${local === file.sha1 ? "(matches)" : "(MISMATCH)"}`);
    console.log(`versions:  ${server.files.get(file.id)!.versions.length}`);
    if (local !== file.sha1) process.exitCode = 1;
  } finally {
    await client.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
  process.exitCode = 1;
});
