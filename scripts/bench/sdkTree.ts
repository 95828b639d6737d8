/**
 * What Box's CLI does with a folder, on Box's official Node SDK (box-node-sdk v10): walk the tree,
 * create each folder, and upload each file one at a time: `uploads.uploadFile` below Box's
 * 20,000,000-byte chunked minimum, `chunkedUploads.uploadBigFile` from it. No skipping (the SDK
 * has no compare), so this is its first run. Prints one JSON line like the other clients.
 *
 *   BOX_ACCESS_TOKEN=... node .build/scripts/bench/sdkTree.js --base-url URL --api-base-url URL --dir DIR --folder-name NAME
 */
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BoxClient, BoxDeveloperTokenAuth } from "box-node-sdk";
import { measure, runMain, type ClientResult } from "./measure";

const CHUNKED_MIN = 20_000_000;

async function main(): Promise<ClientResult & { files: number; bytes: number; failed: number }> {
  const { values } = parseArgs({
    options: { "base-url": { type: "string" }, "api-base-url": { type: "string" }, dir: { type: "string" }, "folder-name": { type: "string" } },
  });
  // The SDK appends /2.0/... to each: the upload host's base without its /2.0, the API host's likewise.
  const upload = values["base-url"]!.replace(/\/2\.0\/?$/, "");
  const api = values["api-base-url"]!.replace(/\/2\.0\/?$/, "");
  const client = new BoxClient({ auth: new BoxDeveloperTokenAuth({ token: process.env.BOX_ACCESS_TOKEN! }) }).withCustomBaseUrls({
    baseUrl: api,
    uploadUrl: upload,
    oauth2Url: `${new URL(api).origin}/oauth2`,
  });
  let files = 0;
  let bytes = 0;
  let failed = 0;
  const walk = async (dir: string, folderId: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        const folder = await client.folders.createFolder({ name: entry.name, parent: { id: folderId } });
        await walk(path, folder.id);
      } else if (entry.isFile()) {
        const { size } = await stat(path);
        try {
          if (size >= CHUNKED_MIN) await client.chunkedUploads.uploadBigFile(createReadStream(path), entry.name, size, folderId);
          else await client.uploads.uploadFile({ attributes: { name: entry.name, parent: { id: folderId } }, file: createReadStream(path) });
          files++;
          bytes += size;
        } catch {
          // As Box's CLI does: a file that fails (after the SDK's own retries) is counted, the rest go on.
          failed++;
        }
      }
    }
  };
  const result = await measure(async () => {
    const root = await client.folders.createFolder({ name: values["folder-name"]!, parent: { id: "0" } });
    await walk(values.dir!, root.id);
    return {};
  });
  return { ...result, files, bytes, failed };
}

runMain(main);
