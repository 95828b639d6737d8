/**
 * One folder sync (our public API, `syncFolder`) in a process of its own, measured from inside
 * like the bench's other clients. Syncs `--dir` into `--folder`, or into a new folder named
 * `--folder-name` in the root. Prints one JSON line: the measurement, the summary, the folder id.
 *
 *   BOX_ACCESS_TOKEN=... node .build/scripts/bench/syncChild.js --base-url URL --api-base-url URL
 *       --dir DIR (--folder ID | --folder-name NAME) [--transfers N] [--concurrency N] [--rate-limits off]
 *       [--state-dir DIR] [--checkers N] [--checksum]
 */
import { parseArgs } from "node:util";
import { BoxUploadClient, type SyncSummary } from "../../src";
import { measure, runMain, type ClientResult } from "./measure";

export interface SyncChildResult extends ClientResult {
  folderId: string;
  /** Heap still used after the sync and two full GCs (run with --expose-gc): what the run retained. */
  heapAfterGcBytes?: number;
  summary: SyncSummary;
  requests: number;
}

async function main(): Promise<SyncChildResult> {
  const { values } = parseArgs({
    options: {
      "base-url": { type: "string" },
      "api-base-url": { type: "string" },
      dir: { type: "string" },
      folder: { type: "string" },
      "folder-name": { type: "string" },
      transfers: { type: "string" },
      concurrency: { type: "string" },
      "rate-limits": { type: "string" },
      "state-dir": { type: "string" },
      checkers: { type: "string" },
      checksum: { type: "boolean" },
    },
  });
  let requests = 0;
  const client = new BoxUploadClient({
    token: process.env.BOX_ACCESS_TOKEN!,
    baseUrl: values["base-url"]!,
    apiBaseUrl: values["api-base-url"]!,
    onRequest: () => void requests++,
    // "off" against a server without limits measures raw speed; left out, Box's limits pace the run.
    ...(values["rate-limits"] === "off" ? { rateLimits: "off" as const } : {}),
  });
  try {
    const folderId = values.folder ?? (await client.api.createFolder("0", values["folder-name"]!)).id;
    let summary: SyncSummary | undefined;
    const result = await measure(async () => {
      summary = await client.syncFolder(values.dir!, folderId, {
        ...(values.transfers ? { transfers: Number(values.transfers) } : {}),
        ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
        ...(values["state-dir"] ? { stateDir: values["state-dir"] } : {}),
        ...(values.checkers ? { checkers: Number(values.checkers) } : {}),
        ...(values.checksum ? { checksum: true } : {}),
      });
      return {};
    });
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    const heapAfterGcBytes = gc ? process.memoryUsage().heapUsed : undefined;
    return { ...result, folderId, summary: { ...summary!, failures: summary!.failures.slice(0, 5) }, requests, ...(heapAfterGcBytes ? { heapAfterGcBytes } : {}) };
  } finally {
    await client.close();
  }
}

runMain(main);
