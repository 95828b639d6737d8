/**
 * `--report FILE`: one JSON line per file decided, as each settles. A sync --delete of a tree with
 * a new file, a skip, a new version, a failure, a move and a deletion lists each once with the
 * right action and the Box id (and version, SHA-1) the server holds; a dry run says would-*; a run
 * killed with -9 midway leaves whole lines only, and the rerun's lines account for every file;
 * the watcher writes one too. Never the token, even where the server echoes it.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHarness, type Harness } from "../support/harness";
import { DEFAULT_TOKEN } from "../support/localBox/server";
import { runCli } from "../support/process/cli";
import { closeAll } from "../support/process/cleanup";
import { bytesOf } from "../support/random";
import { sha1 } from "../support/sha1";
import { until } from "../support/checks/timing";
import { writeTree } from "../support/tree";
import { sampleSum } from "../support/metricsText";

jest.setTimeout(120_000);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "report-"));
});
afterEach(() => closeAll());
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Line {
  time: string;
  path: string;
  action: string;
  id?: string;
  version_id?: string;
  sha1?: string;
  size?: number;
  bytes_sent?: number;
  seconds?: number;
  error?: string;
  from?: string;
  items?: number;
}

/** The report's lines, each parsed; the text must end with a newline (whole lines only). */
async function lines(file: string): Promise<Line[]> {
  const text = await readFile(file, "utf8");
  if (text.length) expect(text.endsWith("\n")).toBe(true);
  return text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Line);
}

/** Whole lines in the file now (0 while it does not exist). */
function lineCount(file: string): number {
  try {
    return readFileSync(file, "utf8").split("\n").length - 1;
  } catch {
    return 0;
  }
}

const env = (h: Harness) => ({ BOX_ACCESS_TOKEN: DEFAULT_TOKEN, BOX_UPLOAD_BASE_URL: h.client.baseUrl, BOX_API_BASE_URL: h.client.apiBaseUrl, HOME: dir });

test("each file decided once, with its action and the Box id, version and SHA-1 the server holds; a failure's error has no token; a dry run says would-*", async () => {
  // bad.txt's upload is refused with a message that echoes the token: the report must not.
  const h = await startHarness(
    {
      bufferBodies: true,
      before: (ctx) => (ctx.route === "uploadFile" && ctx.body?.includes("bad.txt") ? { status: 403, body: { type: "error", status: 403, code: "access_denied_insufficient_permissions", message: `denied for ${DEFAULT_TOKEN}` } } : undefined),
    },
    { uploadDefaults: {} },
  );
  try {
    const root = join(dir, "tree");
    const spec = { "new.txt": bytesOf(300, 1), "same.txt": bytesOf(400, 2), "changed.txt": bytesOf(500, 3), "bad.txt": bytesOf(600, 4), "renamed.bin": bytesOf(5000, 5) };
    await writeTree(root, spec);
    const dest = h.server.addFolder("dest");
    const same = h.server.addFile("same.txt", spec["same.txt"], dest.id);
    const changed = h.server.addFile("changed.txt", bytesOf(500, 99), dest.id);
    const old = h.server.addFile("old-name.bin", spec["renamed.bin"], dest.id);
    const gone = h.server.addFile("gone.txt", bytesOf(10, 6), dest.id);

    const dry = join(dir, "dry.jsonl");
    const d = await runCli(["sync", root, dest.id, "--delete", "--dry-run", "--report", dry], env(h)).done;
    expect(d.code).toBe(0);
    const would = Object.fromEntries((await lines(dry)).map((l) => [l.path, l.action]));
    expect(would).toEqual({ "new.txt": "would-upload", "bad.txt": "would-upload", "same.txt": "skipped", "changed.txt": "would-version", "renamed.bin": "would-move", "gone.txt": "would-delete" });

    const file = join(dir, "report.jsonl");
    const run = await runCli(["sync", root, dest.id, "--delete", "--report", file], env(h)).done;
    expect(run.code).toBe(8);
    const got = await lines(file);
    // Each file once.
    expect(got.map((l) => l.path).sort()).toEqual(["bad.txt", "changed.txt", "gone.txt", "new.txt", "renamed.bin", "same.txt"]);
    const by = Object.fromEntries(got.map((l) => [l.path, l]));
    const inBox = h.server.filesByPath(dest.id);
    const latest = (id: string) => h.server.files.get(id)!.versions.at(-1)!;

    expect(by["new.txt"]).toMatchObject({ action: "uploaded", id: inBox.get("new.txt")!.id, sha1: sha1(spec["new.txt"]), size: 300, bytes_sent: 300 });
    expect(by["new.txt"]!.version_id).toBe(latest(inBox.get("new.txt")!.id).id);
    expect(by["same.txt"]).toMatchObject({ action: "skipped", id: same.id, sha1: sha1(spec["same.txt"]), bytes_sent: 0 });
    expect(by["changed.txt"]).toMatchObject({ action: "versioned", id: changed.id, version_id: latest(changed.id).id, sha1: sha1(spec["changed.txt"]), bytes_sent: 500 });
    expect(changed.versions).toHaveLength(2);
    expect(by["bad.txt"]).toMatchObject({ action: "failed", size: 600 });
    expect(by["bad.txt"]!.error).toContain("403");
    expect(by["bad.txt"]!.error).not.toContain(DEFAULT_TOKEN);
    expect(by["renamed.bin"]).toMatchObject({ action: "moved", from: "old-name.bin", id: old.id });
    expect(inBox.get("renamed.bin")!.id).toBe(old.id);
    expect(by["gone.txt"]).toMatchObject({ action: "deleted", id: gone.id, items: 1 });
    for (const l of got) {
      expect(Number.isNaN(Date.parse(l.time))).toBe(false);
      if (l.action === "uploaded" || l.action === "versioned" || l.action === "skipped") expect(l.seconds).toBeGreaterThanOrEqual(0);
    }
    expect(await readFile(file, "utf8")).not.toContain(DEFAULT_TOKEN);
    // Only its owner reads it.
    expect((await stat(file)).mode & 0o077).toBe(0);
  } finally {
    await h.close();
  }
});

test("killed with -9 midway: whole lines only; the rerun appends, and every file is accounted for", async () => {
  const h = await startHarness({ latencyMs: 40 }, { uploadDefaults: {} });
  try {
    const root = join(dir, "many");
    const spec: Record<string, Uint8Array> = {};
    for (let i = 0; i < 150; i++) spec[`d${i % 5}/f${i}.txt`] = bytesOf(200 + i, 100 + i);
    await writeTree(root, spec);
    const dest = h.server.addFolder("many");
    const file = join(dir, "killed.jsonl");
    const first = runCli(["sync", root, dest.id, "--transfers", "2", "--report", file], env(h));
    await until(() => lineCount(file) > 20, 30_000, "20 lines in the report");
    first.child.kill("SIGKILL");
    expect((await first.done).signal).toBe("SIGKILL");
    const before = await lines(file);
    expect(before.length).toBeGreaterThan(20);
    expect(before.length).toBeLessThan(150);
    expect(before.every((l) => l.action === "uploaded")).toBe(true);

    const second = await runCli(["sync", root, dest.id, "--report", file], env(h)).done;
    expect(second.code).toBe(0);
    const all = await lines(file);
    const rerun = all.slice(before.length);
    // The rerun decides every file once: those the killed run uploaded are skipped now (a file
    // uploaded just before the kill, its line not written, is skipped too: Box holds it).
    expect(rerun.map((l) => l.path).sort()).toEqual(Object.keys(spec).sort());
    for (const l of before) expect(rerun.find((r) => r.path === l.path)).toMatchObject({ action: "skipped", id: l.id });
    expect(h.server.filesByPath(dest.id).size).toBe(150);
  } finally {
    await h.close();
  }
});

test("watch --report: each file dropped in, once, with its Box id", async () => {
  const h = await startHarness({}, { uploadDefaults: {} });
  try {
    const root = join(dir, "drop");
    await writeTree(root, { "first.txt": bytesOf(100, 1) });
    const dest = h.server.addFolder("drop");
    const file = join(dir, "watch.jsonl");
    const watch = runCli(["watch", root, dest.id, "--settle", "1s", "--report", file, "--metrics-addr", "127.0.0.1:0"], env(h));
    let stderr = "";
    watch.child.stderr!.on("data", (d: string) => (stderr += d));
    await until(() => lineCount(file) >= 1, 20_000, "the first file in the report");
    await writeFile(join(root, "second.txt"), bytesOf(200, 2));
    await until(() => lineCount(file) >= 2, 20_000, "the dropped file in the report");
    // The watcher's metrics, while it runs: both files and their bytes.
    const url = /metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(stderr)![1]!;
    const text = await (await fetch(url)).text();
    expect(sampleSum(text, "box_upload_files_total", { result: "uploaded" })).toBe(2);
    expect(sampleSum(text, "box_upload_file_bytes_sent_total")).toBe(300);
    watch.child.kill("SIGTERM");
    expect((await watch.done).code).toBe(0);
    const got = await lines(file);
    const inBox = h.server.filesByPath(dest.id);
    expect(got.map((l) => [l.path, l.action, l.id])).toEqual([
      ["first.txt", "uploaded", inBox.get("first.txt")!.id],
      ["second.txt", "uploaded", inBox.get("second.txt")!.id],
    ]);
  } finally {
    await h.close();
  }
});
