/**
 * What the hardware allows, measured in a process of its own: SHA-1 on one core, positioned file
 * reads into a reused buffer, and PUTting the file's bytes over loopback to a sink with no
 * hashing. Any uploader pays at least two SHA-1 passes (per part and whole file), one read and
 * one PUT per byte, so these bound what a client can reach here. Prints one JSON line.
 *
 *   node .build/scripts/bench/physical.js --path FILE --sink URL --part-size BYTES --concurrency 1,8
 */
import { createHash, randomBytes } from "node:crypto";
import { open } from "node:fs/promises";
import { parseArgs } from "node:util";
import { GiB, MiB } from "./stats";
import { keepAliveAgent, send } from "./http";
import { runMain } from "./measure";

export interface Cost {
  seconds: number;
  cpuSeconds: number;
  bytes: number;
}

export interface PhysicalResult {
  sha1: Cost;
  read: Cost;
  put: (Cost & { concurrency: number })[];
}

/** Bytes hashed for the SHA-1 figure: enough for a stable rate, independent of the file size. */
const HASH_BYTES = 512 * MiB;

async function timed(bytes: number, work: () => Promise<void> | void): Promise<Cost> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, bytes };
}

/** One createHash per part-sized buffer, as an uploader hashes its parts. */
function sha1Cost(partSize: number): Promise<Cost> {
  const buffer = randomBytes(partSize);
  const rounds = Math.ceil(HASH_BYTES / partSize);
  return timed(rounds * partSize, () => {
    for (let i = 0; i < rounds; i++) createHash("sha1").update(buffer).digest();
  });
}

async function readCost(path: string, partSize: number): Promise<Cost> {
  const handle = await open(path, "r");
  try {
    const size = (await handle.stat()).size;
    const buffer = Buffer.allocUnsafe(partSize);
    return await timed(size, async () => {
      for (let offset = 0; offset < size; ) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(partSize, size - offset), offset);
        if (bytesRead === 0) throw new Error(`${path} ended at ${offset}`);
        offset += bytesRead;
      }
    });
  } finally {
    await handle.close();
  }
}

/** PUTs `size` bytes in part-sized bodies, `concurrency` at a time, from reused buffers. */
async function putCost(sink: string, size: number, partSize: number, concurrency: number): Promise<Cost> {
  const agent = keepAliveAgent(concurrency);
  const buffers = Array.from({ length: concurrency }, () => randomBytes(partSize));
  const offsets: number[] = [];
  for (let offset = 0; offset < size; offset += partSize) offsets.push(offset);
  try {
    return await timed(size, async () => {
      // Each lane owns one buffer and takes the next offset when its PUT is answered.
      const lane = async (buffer: Buffer) => {
        for (let offset = offsets.shift(); offset !== undefined; offset = offsets.shift()) {
          const body = buffer.subarray(0, Math.min(partSize, size - offset));
          const answer = await send(agent, sink, "PUT", { "content-type": "application/octet-stream" }, body);
          if (answer.status !== 200) throw new Error(`sink answered ${answer.status}`);
        }
      };
      await Promise.all(buffers.map(lane));
    });
  } finally {
    agent.destroy();
  }
}

async function main(): Promise<PhysicalResult> {
  const { values } = parseArgs({
    options: {
      path: { type: "string" },
      sink: { type: "string" },
      "part-size": { type: "string" },
      concurrency: { type: "string", default: "1" },
    },
  });
  const partSize = Number(values["part-size"] ?? 8 * MiB);
  const sha1 = await sha1Cost(partSize);
  const read = await readCost(values.path!, partSize);
  const put: PhysicalResult["put"] = [];
  for (const concurrency of values.concurrency!.split(",").map(Number)) {
    put.push({ concurrency, ...(await putCost(values.sink!, read.bytes, partSize, concurrency)) });
  }
  return { sha1, read, put };
}

/** CPU seconds one GiB costs at this rate. */
export function cpuPerGiB(cost: Cost): number {
  return cost.cpuSeconds / (cost.bytes / GiB);
}

if (require.main === module) runMain(main);
