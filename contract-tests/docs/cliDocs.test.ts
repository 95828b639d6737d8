/**
 * docs/cli.md held to the CLI where a test can read both: every flag each command's --help lists
 * is documented, the --json shapes name exactly the keys the commands print, and the quoted plain
 * summary line is the one the CLI writes.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { summaryJson, summaryLine } from "../../src/cli/sync";
import { statusJson } from "../../src/cli/status";
import type { SyncSummary } from "../../src";
import { DEFAULT_TOKEN, LocalBoxServer } from "../support/localBox/server";
import { ROOT } from "../support/paths";
import { runCli } from "../support/process/cli";

const doc = readFileSync(join(ROOT, "docs", "cli.md"), "utf8");

/** The keys a `--json` shape in the doc names, from its line `- \`<what>\`: \`{...}\``. */
function documentedKeys(what: string): string[] {
  const line = doc.split("\n").find((l) => l.startsWith(`- ${what}: \`{`));
  if (!line) throw new Error(`docs/cli.md has no --json shape for ${what}`);
  const shape = /`\{(.*)\}`/.exec(line)![1]!;
  return [...shape.matchAll(/"(\w+)"/g)].map((m) => m[1]!).sort();
}

test.each(["new", "version", "sync", "watch", "worker", "status"])("every flag of `%s --help` is in docs/cli.md", async (command) => {
  const help = await runCli([command, "--help"]).done;
  expect(help.code).toBe(0);
  const flags = [...new Set([...help.stdout.matchAll(/(?:^|\s)(--[a-z][a-z-]+)/g)].map((m) => m[1]!))];
  expect(flags.length).toBeGreaterThan(command === "status" ? 2 : 5);
  expect(flags.filter((f) => f !== "--help" && !doc.includes(`\`${f}`))).toEqual([]);
});

test("the synopsis names every flag of sync that changes what it does", () => {
  const synopsis = /## Synopsis\n\n```sh\n([\s\S]*?)```/.exec(doc)![1]!;
  for (const flag of ["--dry-run", "--delete", "--max-delete", "--no-track-renames", "--exclude", "--include", "--on-conflict", "--transfers", "--state-dir", "--no-resume", "--queue", "--redis-wait", "--report", "--metrics-addr"]) {
    expect({ flag, inSynopsis: synopsis.includes(flag) }).toEqual({ flag, inSynopsis: true });
  }
});

const summary: SyncSummary = { uploaded: 3, versioned: 2, skipped: 7, failed: 1, foldersCreated: 4, deleted: 5, moved: 6, bytesSent: 12_345_678, bytesPlanned: 9, bytesRead: 11, deferred: 0, bytesDeferred: 0, seconds: 2.5, failures: [] };

test("sync --json names exactly the documented keys", () => {
  expect(Object.keys(summaryJson(summary)).sort()).toEqual(documentedKeys("`sync`"));
});

test("status --json names exactly the documented keys", () => {
  const status = statusJson({ queue: "redis://h:1/0", jobs: { waiting: 1, active: 0, delayed: 0, failed: 0 }, workers: [], pacing: { upload: { lastMinute: 0, thisMinute: 0, previousMinute: 0, ceiling: undefined, rate: undefined, lastRefusedAt: undefined, lastPauseMs: undefined }, call: { lastMinute: 0, thisMinute: 0, previousMinute: 0, ceiling: 1, rate: 1, lastRefusedAt: 1, lastPauseMs: 1 } }, now: 0 });
  expect(Object.keys(status).sort()).toEqual(documentedKeys("`status`"));
  const pace = /`pace`: per kind\s+\(`upload`, `call`\) `\{([^}]*)\}`/.exec(doc)![1]!.split(",").map((k) => k.trim()).sort();
  expect(Object.keys((status.pace as { call: object }).call).sort()).toEqual(pace);
});

test("the quoted sync summary lines are the CLI's", () => {
  const asDoc = (line: string) => line.replace(/\d+\.\d+ MB/, "X MB").replace(/in \d+\.\d+ s/, "in S s").replace(/\d+/g, "N");
  expect(doc).toContain(`\`${asDoc(summaryLine(summary, false, false))}\``);
  expect(asDoc(summaryLine(summary, false, true))).toContain("folders created, N moved, N trashed;");
  expect(doc).toContain("`, N moved, N trashed` after the folders");
  expect(summaryLine(summary, true, false).startsWith("would sync: ")).toBe(true);
});

test("new and version --json name exactly the documented keys", async () => {
  const server = new LocalBoxServer({ minFileSize: 1 });
  await server.start();
  const dir = await mkdtemp(join(tmpdir(), "cli-docs-"));
  try {
    await writeFile(join(dir, "a.txt"), "docs\n");
    const env = { BOX_ACCESS_TOKEN: DEFAULT_TOKEN, BOX_UPLOAD_BASE_URL: server.baseUrl, BOX_API_BASE_URL: server.apiBaseUrl };
    const made = await runCli(["new", "0", join(dir, "a.txt"), "--json"], env).done;
    // With its stderr, so a failure says why.
    if (made.code !== 0) throw new Error(`new --json exited ${made.code}: ${made.stderr}`);
    const first = JSON.parse(made.stdout) as Record<string, unknown>;
    expect(Object.keys(first).sort()).toEqual(documentedKeys("`new`, `version`"));
    const version = await runCli(["version", (first.file as { id: string }).id, join(dir, "a.txt"), "--json"], env).done;
    expect(Object.keys(JSON.parse(version.stdout)).sort()).toEqual(documentedKeys("`new`, `version`"));
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
