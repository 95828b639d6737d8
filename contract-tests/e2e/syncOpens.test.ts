/**
 * A folder sync opens each local file once: to compare it with Box's copy, to check its resume
 * record and to send it, the same handle serves. Every open of the tree's files is counted (a spy
 * on node:fs/promises' open, which the file reader uses), for every way a file can go: new and
 * direct, new and chunked, the same as Box's (skipped), changed (a new version, direct or chunked,
 * with resume state kept), and a chunked file continuing an interrupted session.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { startHarness, type Harness } from "../support/harness";
import { bytesOf } from "../support/random";
import { writeTree } from "../support/tree";

const THRESHOLD = 1_000_000;
let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness({ minFileSize: THRESHOLD }, { uploadDefaults: { chunkedThreshold: THRESHOLD } });
  dir = await mkdtemp(join(tmpdir(), "sync-opens-"));
});
afterAll(async () => {
  jest.restoreAllMocks();
  await h.close();
  await rm(dir, { recursive: true, force: true });
});

// The module object itself (not an import's namespace copy), so the spy is what the reader calls.
const fsp = require("node:fs/promises") as typeof import("node:fs/promises");

/** Counts the opens of files under `root`, by path relative to it. */
function countOpens(root: string): Map<string, number> {
  const opens = new Map<string, number>();
  const real = fsp.open;
  jest.restoreAllMocks();
  jest.spyOn(fsp, "open").mockImplementation(((path: Parameters<typeof real>[0], ...rest: unknown[]) => {
    const p = String(path);
    if (p.startsWith(root + sep)) {
      const rel = p.slice(root.length + 1).split(sep).join("/");
      opens.set(rel, (opens.get(rel) ?? 0) + 1);
    }
    return (real as (...a: unknown[]) => ReturnType<typeof real>)(path, ...rest);
  }) as typeof real);
  return opens;
}

test("every file of the tree is opened exactly once, whatever the sync does with it", async () => {
  const root = join(dir, "tree");
  const tree = {
    "new small.txt": bytesOf(5_000, 1),
    "sub/new big.bin": bytesOf(2 * THRESHOLD + 3, 2),
    "same small.bin": bytesOf(40_000, 3),
    "sub/same big.bin": bytesOf(THRESHOLD + 11, 4),
    "changed small.bin": bytesOf(40_000, 5),
    "sub/changed big.bin": bytesOf(3 * THRESHOLD, 6),
  };
  await writeTree(root, tree);
  const dest = h.server.addFolder("dest");
  const sub = h.server.addFolder("sub", dest.id);
  h.server.addFile("same small.bin", bytesOf(40_000, 3), dest.id);
  h.server.addFile("same big.bin", bytesOf(THRESHOLD + 11, 4), sub.id);
  h.server.addFile("changed small.bin", bytesOf(40_000, 55), dest.id);
  h.server.addFile("changed big.bin", bytesOf(3 * THRESHOLD, 66), sub.id);

  const opens = countOpens(root);
  const summary = await h.client.syncFolder(root, dest.id, { stateDir: join(dir, "state") });
  expect(summary).toMatchObject({ uploaded: 2, versioned: 2, skipped: 2, failed: 0 });
  expect(Object.fromEntries(opens)).toEqual(Object.fromEntries(Object.keys(tree).map((path) => [path, 1])));
});

test("a chunked file continuing its interrupted session is opened once too", async () => {
  const root = join(dir, "resumed");
  await writeTree(root, { "big.bin": bytesOf(4 * THRESHOLD, 7) });
  const dest = h.server.addFolder("resumed dest");
  const stateDir = join(dir, "resumed-state");
  // The first run stops after two parts are stored (the caller aborts), keeping its resume record.
  const controller = new AbortController();
  let parts = 0;
  const mark = h.server.log.length;
  await expect(
    h.client.syncFolder(root, dest.id, {
      stateDir,
      concurrency: 1,
      signal: controller.signal,
      onProgress: () => {
        if (h.server.log.slice(mark).filter((r) => r.route === "uploadPart" && r.status === 200).length >= 2 && parts++ === 0) controller.abort(new Error("stop"));
      },
    }),
  ).rejects.toThrow();
  const opens = countOpens(root);
  const summary = await h.client.syncFolder(root, dest.id, { stateDir });
  expect(summary).toMatchObject({ uploaded: 1, failed: 0 });
  expect(summary.bytesSent).toBeLessThan(4 * THRESHOLD);
  expect(Object.fromEntries(opens)).toEqual({ "big.bin": 1 });
});
