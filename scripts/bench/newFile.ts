/**
 * One upload of a file as a NEW file (our public API, `uploadNewFile`), in a process of its own,
 * measured from inside like the bench's other clients. `--chunked-threshold` forces the way: set
 * above the file's size, it goes up in one direct request (preflight on the API host first); at
 * or below it, in a chunked session (which the local server allows below Box's 20,000,000 only
 * when started with --min-size). Prints one JSON line shaped like scripts/bench/uploadFile.js's, plus
 * "way": the way it went, as seen on the wire (a chunked upload opens an upload session), and
 * "requests": how many HTTP exchanges it took.
 *
 *   BOX_ACCESS_TOKEN=... node .build/scripts/bench/newFile.js --base-url URL --api-base-url URL
 *       --path FILE --name NAME [--folder 0] [--chunked-threshold BYTES] [--concurrency N]
 */
import { parseArgs } from "node:util";
import { BoxUploadClient } from "../../src";
import { measure, runMain, type ClientResult } from "./measure";

export interface NewFileResult extends ClientResult {
  way: "direct" | "chunked";
  requests: number;
}

async function main(): Promise<NewFileResult> {
  const { values } = parseArgs({
    options: {
      "base-url": { type: "string" },
      "api-base-url": { type: "string" },
      path: { type: "string" },
      name: { type: "string" },
      folder: { type: "string", default: "0" },
      "chunked-threshold": { type: "string" },
      concurrency: { type: "string" },
    },
  });
  let requests = 0;
  let chunked = false;
  const client = new BoxUploadClient({
    token: process.env.BOX_ACCESS_TOKEN!,
    baseUrl: values["base-url"]!,
    apiBaseUrl: values["api-base-url"]!,
    // The local server has no rate limits: unpaced, so only direct vs chunked is measured.
    rateLimits: "off",
    onRequest: (event) => {
      requests++;
      if (event.path.includes("upload_sessions")) chunked = true;
    },
  });
  const threshold = values["chunked-threshold"] === undefined ? undefined : Number(values["chunked-threshold"]);
  try {
    const result = await measure(async () => {
      const file = await client.uploadNewFile(values.folder!, values.name!, values.path!, {
        ...(threshold !== undefined ? { chunkedThreshold: threshold } : {}),
        ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
      });
      return { ...(file.sha1 ? { sha1: file.sha1 } : {}), ...(file.size !== undefined ? { size: file.size } : {}) };
    });
    return { ...result, way: chunked ? "chunked" : "direct", requests };
  } finally {
    await client.close();
  }
}

runMain(main);
