/**
 * The near-limit reference: the least an uploader must do against this API, written for the
 * bench alone. Positioned reads into reused buffers, per-part and whole-file SHA-1, N parts in
 * flight over a keep-alive node:http Agent (node:https for an https:// base URL, trusting what
 * NODE_EXTRA_CA_CERTS adds); no retries, no checks beyond status codes. Whatever it reaches is
 * what any client could reach here. Uploads a new version; prints one JSON line shaped like
 * scripts/bench/uploadFile.js's.
 *
 *   BOX_ACCESS_TOKEN=... node .build/scripts/bench/minimal.js --base-url URL --file-id ID --path FILE --concurrency N
 */
import { createHash } from "node:crypto";
import { open, type FileHandle } from "node:fs/promises";
import { parseArgs } from "node:util";
import { expectJson, keepAliveAgent, send } from "./http";
import { measure, runMain } from "./measure";

interface Session {
  id: string;
  part_size: number;
}
interface Part {
  part_id: string;
  offset: number;
  size: number;
  sha1: string;
}

async function readFully(handle: FileHandle, buffer: Buffer, offset: number, size: number): Promise<Buffer> {
  for (let filled = 0; filled < size; ) {
    const { bytesRead } = await handle.read(buffer, filled, size - filled, offset + filled);
    if (bytesRead === 0) throw new Error(`file ended at ${offset + filled}`);
    filled += bytesRead;
  }
  return buffer.subarray(0, size);
}

async function upload(baseUrl: string, token: string, fileId: string, path: string, concurrency: number) {
  const agent = keepAliveAgent(concurrency, baseUrl);
  const auth = { authorization: `Bearer ${token}` };
  const handle = await open(path, "r");
  try {
    const size = (await handle.stat()).size;
    const session = expectJson<Session>(
      "create session",
      await send(agent, `${baseUrl}/files/${fileId}/upload_sessions`, "POST", { ...auth, "content-type": "application/json" }, JSON.stringify({ file_size: size })),
      201,
    );
    const sessionUrl = `${baseUrl}/files/upload_sessions/${session.id}`;
    const whole = createHash("sha1");
    const parts: Part[] = [];
    const free: Buffer[] = [];
    const inFlight = new Set<Promise<void>>();
    for (let offset = 0; offset < size; offset += session.part_size) {
      // A buffer is reused only once the PUT that held it is answered: memory is N parts.
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      const buffer = free.pop() ?? Buffer.allocUnsafe(session.part_size);
      const bytes = await readFully(handle, buffer, offset, Math.min(session.part_size, size - offset));
      whole.update(bytes);
      const headers = {
        ...auth,
        "content-type": "application/octet-stream",
        digest: `sha=${createHash("sha1").update(bytes).digest("base64")}`,
        "content-range": `bytes ${offset}-${offset + bytes.byteLength - 1}/${size}`,
      };
      const index = parts.length;
      parts.length++;
      const task: Promise<void> = send(agent, sessionUrl, "PUT", headers, bytes)
        .then((answer) => {
          parts[index] = expectJson<{ part: Part }>(`part at ${offset}`, answer, 200).part;
        })
        .finally(() => {
          inFlight.delete(task);
          free.push(buffer);
        });
      inFlight.add(task);
    }
    await Promise.all(inFlight);
    const committed = expectJson<{ entries: { sha1: string; size: number }[] }>(
      "commit",
      await send(
        agent,
        `${sessionUrl}/commit`,
        "POST",
        { ...auth, "content-type": "application/json", digest: `sha=${whole.digest("base64")}` },
        JSON.stringify({ parts }),
      ),
      201,
    );
    return committed.entries[0] ?? {};
  } finally {
    agent.destroy();
    await handle.close();
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      "base-url": { type: "string" },
      "file-id": { type: "string" },
      path: { type: "string" },
      concurrency: { type: "string", default: "1" },
    },
  });
  const token = process.env.BOX_ACCESS_TOKEN!;
  return measure(() => upload(values["base-url"]!, token, values["file-id"]!, values.path!, Number(values.concurrency)));
}

runMain(main);
