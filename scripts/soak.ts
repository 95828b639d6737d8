/**
 * Soak: many seeded uploads against the local server with random faults on every kind of request
 * (5xx, 429, dropped connections before and after storing, 500 after storing, 202s, lagging
 * parts_mismatch, lost commit answers, token and session expiry), every exchange validated
 * against the fragment. Prints the outcome counts; exits non-zero on any corrupted, lost or
 * duplicated version, or any violation of the fragment.
 *
 *   npm run soak -- [--runs 100] [--seed 1]
 */
import { parseArgs } from "node:util";
import { CommitUncertainError } from "../src";
import { KiB, startHarness } from "../contract-tests/support/harness";
import { errorFault, type Fault, type RequestContext } from "../contract-tests/support/localBox/server";
import { bytesOf, seeded } from "../contract-tests/support/random";
import { sha1 } from "../contract-tests/support/sha1";

const PART = 64 * KiB;

function faults(rand: () => number) {
  let mismatchSent = false;
  const before = (ctx: RequestContext): Fault | undefined => {
    const r = rand();
    if (ctx.route === "uploadPart") {
      if (r < 0.04) return { status: 503 };
      if (r < 0.07) return { status: 429, headers: { "retry-after": "0" } };
      if (r < 0.1) return "drop";
    }
    if (ctx.route === "commit") {
      if (!mismatchSent && r < 0.3) {
        mismatchSent = true;
        return errorFault(400, "parts_mismatch", "injected");
      }
      if (r >= 0.3 && r < 0.4) return { status: 502 };
    }
    if ((ctx.route === "listParts" || ctx.route === "getSession") && r < 0.05) return { status: 500 };
    return undefined;
  };
  const after = (ctx: RequestContext, status: number): Fault | undefined => {
    const r = rand();
    if (ctx.route === "uploadPart" && status === 200) {
      if (r < 0.03) return { status: 500 };
      if (r < 0.05) return "drop";
    }
    if (ctx.route === "commit" && status === 201 && r < 0.05) return "drop";
    return undefined;
  };
  return { before, after };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "100" }, seed: { type: "string", default: "1" } } });
  const runs = Number(values.runs);
  const counts = { committed: 0, uncertainButCommittedOnce: 0, failedCleanly: 0, corrupted: 0, lost: 0, duplicated: 0, violations: 0 };
  const failures: string[] = [];
  const started = Date.now();
  for (let i = 0; i < runs; i++) {
    const seed = Number(values.seed) * 100_003 + i;
    const rand = seeded(seed);
    const size = 1 + Math.floor(rand() * 20 * PART);
    const expireAfter = rand() < 0.1 ? 1 + Math.floor(rand() * 5) : -1;
    const tokenFlip = rand() < 0.2 ? 2 + Math.floor(rand() * 10) : -1;
    let seen = 0;
    let stored = 0;
    const f = faults(rand);
    const h = await startHarness(
      {
        partSizeFor: () => PART,
        processingCommits: Math.floor(rand() * 3),
        retryAfterSeconds: 0,
        token: (t) => (tokenFlip < 0 || ++seen <= tokenFlip ? t === "t1" || t === "t2" : t === "t2"),
        before: f.before,
        after: (ctx, status) => {
          if (ctx.route === "uploadPart" && status === 200 && ++stored === expireAfter) h.server.expireSession(ctx.sessionId!);
          return f.after(ctx, status);
        },
      },
      { token: ({ reason }) => (reason === "initial" ? "t1" : "t2") },
    );
    const data = bytesOf(size, seed);
    const expected = sha1(data);
    const file = h.server.addFile(`soak-${i}.bin`, Buffer.from("v1"));
    let outcome: "ok" | "uncertain" | "error" = "ok";
    let error: unknown;
    try {
      const committed = await h.client.uploadNewVersion(file.id, data, { concurrency: 1 + Math.floor(rand() * 6), retry: { baseDelayMs: 2, maxDelayMs: 20, random: rand } });
      if (committed.sha1 !== expected) outcome = "error";
    } catch (err) {
      error = err;
      outcome = err instanceof CommitUncertainError ? "uncertain" : "error";
    }
    const added = file.versions.slice(1);
    const label = `run ${i} (seed ${seed}, ${size} bytes)`;
    if (added.some((v) => v.sha1 !== expected)) {
      counts.corrupted++;
      failures.push(`${label}: a version with the wrong SHA-1`);
    } else if (added.length > 1) {
      counts.duplicated++;
      failures.push(`${label}: ${added.length} new versions`);
    } else if (outcome === "ok" && added.length === 1) counts.committed++;
    else if (outcome === "uncertain" && added.length === 1) counts.uncertainButCommittedOnce++;
    else if (outcome === "error" && added.length === 0) {
      counts.failedCleanly++;
      failures.push(`${label}: failed cleanly: ${(error as Error)?.name}: ${(error as Error)?.message}`);
    } else {
      counts.lost++;
      failures.push(`${label}: outcome ${outcome} with ${added.length} new versions (${(error as Error)?.message ?? ""})`);
    }
    counts.violations += h.proxy.violations.length;
    for (const v of h.proxy.violations) failures.push(`${label}: fragment violation ${v.exchange} ${v.side}: ${v.message}`);
    await h.close();
  }
  for (const line of failures) console.log(line);
  console.log(`${runs} seeded uploads with injected faults in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const [k, v] of Object.entries(counts)) console.log(`  ${k.padEnd(26)} ${v}`);
  if (counts.corrupted || counts.lost || counts.duplicated || counts.violations) process.exitCode = 1;
}

void main();
