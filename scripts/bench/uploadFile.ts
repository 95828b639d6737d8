/**
 * One upload of a file as a new version, in a process of its own, measured from inside: wall
 * time and CPU of the upload alone, and the process's peak RSS. Prints one JSON line.
 *
 *   BOX_ACCESS_TOKEN=... node .build/scripts/bench/uploadFile.js --base-url URL --file-id ID --path FILE [--concurrency N]
 *       [--rate-limits off] [--plan auto|always|never]
 *
 * `--rate-limits off` against a server without limits measures raw speed (by default the client
 * paces parts to Box's 1,000 calls a minute). Prints bytesPlanned too (what the upload plan spared)
 * and plannedAt (seconds until the plan's last hit was acknowledged).
 */
import { parseArgs } from "node:util";
import { BoxUploadClient } from "../../src";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "base-url": { type: "string" },
      "file-id": { type: "string" },
      path: { type: "string" },
      concurrency: { type: "string" },
      "rate-limits": { type: "string" },
      plan: { type: "string" },
    },
  });
  const client = new BoxUploadClient({
    token: process.env.BOX_ACCESS_TOKEN!,
    baseUrl: values["base-url"]!,
    ...(values["rate-limits"] === "off" ? { rateLimits: "off" as const } : {}),
  });
  let bytesPlanned = 0;
  // When the plan last found a part in Box: for a small change, when the planning pass had its
  // answer for every part (the pass's speed is the file's size over this).
  let plannedAt = 0;
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const file = await client.uploadNewVersion(values["file-id"]!, values.path!, {
    ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
    ...(values.plan ? { plan: values.plan as "auto" | "always" | "never" } : {}),
    onProgress: (p) => {
      if (p.bytesPlanned > bytesPlanned) plannedAt = Number(process.hrtime.bigint() - started) / 1e9;
      bytesPlanned = p.bytesPlanned;
    },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  await client.close();
  process.stdout.write(
    `${JSON.stringify({
      seconds,
      cpuSeconds: (used.user + used.system) / 1e6,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      sha1: file.sha1,
      size: file.size,
      bytesPlanned,
      plannedAt,
    })}\n`,
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
  process.exit(1);
});
