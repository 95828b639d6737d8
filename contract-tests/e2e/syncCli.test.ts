/**
 * `box-upload sync` as an operator runs it: one JSON object, exit 0 when everything is in Box,
 * exit 8 when some files failed; and a run killed with SIGKILL mid-tree, then run again, leaves
 * exactly one new version per changed file and one copy per new file, continuing the chunked
 * sessions it had open.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHarness, type Harness } from "../support/harness";
import { DEFAULT_TOKEN } from "../support/localBox/server";
import { bytesOf } from "../support/random";
import { sha1 } from "../support/sha1";
import { localFilesByPath, writeTree } from "../support/tree";
import { requestsTo } from "../support/serverLog";
import { runCli } from "../support/process/cli";

const THRESHOLD = 1_000_000;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sync-cli-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function withBox(options: Parameters<typeof startHarness>[0], body: (h: Harness, cli: (args: string[]) => ReturnType<typeof runCli>) => Promise<void>) {
  const h = await startHarness({ minFileSize: THRESHOLD, ...options }, { uploadDefaults: {} });
  const env = { BOX_ACCESS_TOKEN: DEFAULT_TOKEN, BOX_CHUNKED_THRESHOLD: String(THRESHOLD), HOME: dir };
  const cli = (args: string[]) => runCli([...args, "--base-url", h.client.baseUrl, "--api-base-url", h.client.apiBaseUrl], env);
  try {
    await body(h, cli);
    expect(h.proxy.violations).toEqual([]);
  } finally {
    await h.close();
  }
}

test("--json prints one summary object; a second run uploads nothing; a failed file is exit 8 with the rest done", async () => {
  await withBox({}, async (h, cli) => {
    const root = join(dir, "json");
    await writeTree(root, { "a.txt": bytesOf(100, 1), "d/b.bin": bytesOf(2 * THRESHOLD, 2), "d/e/": null });
    const dest = h.server.addFolder("json-dest");
    const first = await cli(["sync", root, dest.id, "--json"]).done;
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(Object.keys(summary).sort()).toEqual(["bytes_deferred", "bytes_planned", "bytes_read", "bytes_sent", "deferred", "deleted", "failed", "failures", "folders_created", "moved", "seconds", "skipped", "stopped", "uploaded", "versioned"]);
    expect(summary).toMatchObject({ uploaded: 2, versioned: 0, skipped: 0, failed: 0, folders_created: 2, bytes_sent: 2 * THRESHOLD + 100, failures: [] });

    const second = await cli(["sync", root, dest.id, "--json"]).done;
    expect(JSON.parse(second.stdout)).toMatchObject({ uploaded: 0, versioned: 0, skipped: 2, failed: 0, folders_created: 0, bytes_sent: 0 });

    // A Box file where a local folder goes: that folder fails, the new file still goes in.
    await writeTree(root, { "x/inner.txt": bytesOf(5, 5), "c.txt": bytesOf(7, 7) });
    h.server.addFile("x", bytesOf(1, 1), dest.id);
    const third = await cli(["sync", root, dest.id, "--json"]).done;
    expect(third.code).toBe(8);
    const partial = JSON.parse(third.stdout);
    expect(partial).toMatchObject({ uploaded: 1, skipped: 2, failed: 1, failures: [{ path: "x", error: expect.stringMatching(/Box holds a file/) }] });
    expect(h.server.filesByPath(dest.id).get("c.txt")?.sha1).toBe(sha1(bytesOf(7, 7)));

    // Without --json: one line per file when stderr is not a terminal, and the summary on stdout.
    const lines = await cli(["sync", root, dest.id]).done;
    expect(lines.code).toBe(8);
    expect(lines.stderr).toMatch(/^skipped  a\.txt \(100 bytes\)$/m);
    expect(lines.stderr).toMatch(/^failed   x: /m);
    expect(lines.stdout).toMatch(/^synced: 0 uploaded, 0 versioned, 3 skipped, 1 failed, 0 folders created/);
  });
}, 60_000);

test("killed with SIGKILL mid-tree, then run again: one copy of each new file, one new version of each changed file, chunked sessions continued", async () => {
  // Shaped so the run lasts a few seconds: 1 MB/s per request, 20 ms per answer.
  await withBox({ bytesPerSecond: 1_000_000, latencyMs: 20 }, async (h, cli) => {
    const root = join(dir, "killed");
    const spec: Record<string, Uint8Array | null> = {};
    for (let i = 0; i < 24; i++) spec[`small/${String(i).padStart(2, "0")} file.txt`] = bytesOf(5_000 + i * 1_000, 100 + i);
    for (let i = 0; i < 3; i++) spec[`big/part ${i}.bin`] = bytesOf(4 * THRESHOLD + i, 200 + i);
    spec["changed small.txt"] = bytesOf(3_000, 300);
    spec["changed big.bin"] = bytesOf(3 * THRESHOLD, 301);
    await writeTree(root, spec);
    const dest = h.server.addFolder("killed-dest");
    const changedSmall = h.server.addFile("changed small.txt", bytesOf(3_000, 400), dest.id);
    const changedBig = h.server.addFile("changed big.bin", bytesOf(3 * THRESHOLD, 401), dest.id);
    const stateDir = join(dir, "state");

    const run = cli(["sync", root, dest.id, "--json", "--state-dir", stateDir, "--transfers", "4", "--concurrency", "4"]);
    // Kill once a chunked file is mid-way (its state file exists and parts are stored), wherever the
    // run is: inside a state save too (a temp file left behind, which the rerun sweeps).
    const deadline = Date.now() + 30_000;
    for (;;) {
      const states = await readdir(stateDir).catch(() => []);
      if (states.some((f) => f.endsWith(".json")) && requestsTo(h.server, "uploadPart").length >= 4) break;
      if (Date.now() > deadline) {
        run.child.kill("SIGKILL");
        const out = await run.done;
        throw new Error(`the run never reached a chunked file mid-way: exit ${out.code}, ${out.stdout} ${out.stderr}; states ${states}; parts ${requestsTo(h.server, "uploadPart").length}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    run.child.kill("SIGKILL");
    const killed = await run.done;
    expect(killed.code).toBeNull();
    const partsBefore = requestsTo(h.server, "uploadPart").length;
    const since = h.server.log.length;

    const rerun = await cli(["sync", root, dest.id, "--json", "--state-dir", stateDir]).done;
    expect([rerun.stderr, rerun.stdout]).toEqual(["", expect.stringMatching(/^\{/)]);
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ failed: 0 });
    // A session the killed run had open was picked up again, not started over.
    expect(requestsTo(h.server, "getSession", since).length).toBeGreaterThanOrEqual(1);

    const local = await localFilesByPath(root);
    const box = h.server.filesByPath(dest.id);
    expect(new Map([...box].map(([p, f]) => [p, { sha1: f.sha1, size: f.size }]))).toEqual(local);
    for (const [path, f] of box) {
      const versions = h.server.files.get(f.id)!.versions.length;
      expect([path, versions]).toEqual([path, path.startsWith("changed") ? 2 : 1]);
    }
    expect(h.server.files.get(changedSmall.id)!.versions.map((v) => v.sha1)).toEqual([sha1(bytesOf(3_000, 400)), sha1(spec["changed small.txt"]!)]);
    expect(h.server.files.get(changedBig.id)!.versions).toHaveLength(2);
    // Fewer parts in total than two full sends of every chunked file: stored parts were not re-sent.
    const totalParts = [...Object.values(spec)].filter((b) => b && b.byteLength >= THRESHOLD).reduce((n, b) => n + Math.ceil(b!.byteLength / (256 * 1024)), 0);
    expect(requestsTo(h.server, "uploadPart").length - partsBefore).toBeLessThan(totalParts);
    // No resume state is left once every file is in Box; the index stays (it is the next run's quick check).
    expect(await readdir(stateDir)).toEqual(["index"]);

    const again = await cli(["sync", root, dest.id, "--json", "--state-dir", stateDir]).done;
    expect(JSON.parse(again.stdout)).toMatchObject({ uploaded: 0, versioned: 0, skipped: 29, bytes_sent: 0 });
  });
}, 120_000);
