/**
 * Opt-in smoke test against real Box: the only check that our fragment, Prism and the local server
 * agree with the actual service. It changes a real file (adds a version), so it runs only when
 * asked to, and otherwise exits 0 so CI and `npm test` users are not forced to have an account.
 *
 *   BOX_ACCESS_TOKEN=... BOX_TEST_FILE_ID=... [BOX_UPLOAD_BASE_URL=...] npm run test:live
 *
 * Steps: upload ~21 MB of random bytes as a new version of BOX_TEST_FILE_ID (Box's chunked API
 * refuses files under 20,000,000 bytes), check the committed SHA-1 against the local one, then open
 * a second session and abort it. The token is never printed; errors are printed as name + message,
 * which our error classes guarantee to be token-free.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BoxUploadClient, type UploadProgress } from "../src";
import { writeRandomFile } from "../contract-tests/support/random";

/** Just above Box's 20,000,000-byte minimum, and not a multiple of any part size. */
const FILE_SIZE = 21 * 1000 * 1000 + 12_345;

function progressReporter(): (p: UploadProgress) => void {
  let last = 0;
  return (p) => {
    const done = p.bytesUploaded === p.totalBytes;
    if (!done && Date.now() - last < 2000) return;
    last = Date.now();
    console.log(`  ${p.partsUploaded}/${p.totalParts} parts, ${(p.bytesUploaded / 1e6).toFixed(1)}/${(p.totalBytes / 1e6).toFixed(1)} MB`);
  };
}

async function main(): Promise<number> {
  const token = process.env.BOX_ACCESS_TOKEN;
  const fileId = process.env.BOX_TEST_FILE_ID;
  if (!token || !fileId) {
    console.log("test:live skipped: set BOX_ACCESS_TOKEN and BOX_TEST_FILE_ID to run it against real Box");
    return 0;
  }
  const baseUrl = process.env.BOX_UPLOAD_BASE_URL;
  const client = new BoxUploadClient({ token, ...(baseUrl ? { baseUrl } : {}) });
  const dir = await mkdtemp(join(tmpdir(), "box-live-"));
  try {
    const path = join(dir, "live-test.bin");
    // Written in slices, so the script never holds the whole file in memory.
    const localSha1 = await writeRandomFile(path, FILE_SIZE);
    console.log(`uploading ${FILE_SIZE} bytes as a new version of file ${fileId} via ${client.baseUrl}`);

    const started = Date.now();
    const file = await client.uploadNewVersion(fileId, path, { onProgress: progressReporter() });
    const seconds = (Date.now() - started) / 1000;
    const failures: string[] = [];
    if (file.sha1?.toLowerCase() !== localSha1) failures.push(`committed sha1 ${file.sha1} differs from local ${localSha1}`);
    if (file.size !== undefined && file.size !== FILE_SIZE) failures.push(`committed size ${file.size} differs from ${FILE_SIZE}`);

    const session = await client.api.createUploadSessionForExistingFile(fileId, { fileSize: FILE_SIZE });
    await client.api.abortUploadSession(session.id ?? "");

    console.log("test:live summary");
    console.log(`  upload:  file ${file.id}, version ${file.file_version?.id ?? "?"}, ${FILE_SIZE} bytes in ${seconds.toFixed(1)} s`);
    console.log(`  sha1:    ${file.sha1 ?? "(none)"} (local ${localSha1})${failures.length ? "" : " - match"}`);
    console.log(`  abort:   session ${session.id} (${session.total_parts} parts of ${session.part_size} bytes) created and aborted`);
    for (const failure of failures) console.error(`test:live FAILED: ${failure}`);
    return failures.length ? 1 : 0;
  } finally {
    await client.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // name + message only: our errors never hold the token, a stack or a raw body might.
    console.error(`test:live failed: ${err instanceof Error ? `${err.name}: ${err.message}` : "unknown error"}`);
    process.exitCode = 1;
  },
);
