/**
 * Mistakes in what was typed, and checks that must come before anything is sent: every usage
 * mistake exits 2 and names the flag or argument as typed; an --if-match that no longer holds is
 * found before a byte goes; a dry run that would pass --max-delete lists what would have gone; a
 * plan asked for and not offered says so; one meaning per number in --json.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHarness, type Harness } from "../support/harness";
import { DEFAULT_TOKEN } from "../support/localBox/server";
import { runCli } from "../support/process/cli";
import { bytesOf } from "../support/random";
import { requestsTo } from "../support/serverLog";
import { writeTree } from "../support/tree";

jest.setTimeout(60_000);
let h: Harness;
let dir: string;
let env: Record<string, string>;
let hosts: string[];
beforeAll(async () => {
  h = await startHarness({ uploadPlan: { endpoint: false } }, { uploadDefaults: {} });
  dir = await mkdtemp(join(tmpdir(), "cli-mistakes-"));
  env = { BOX_ACCESS_TOKEN: DEFAULT_TOKEN, HOME: dir, BOX_CHUNKED_THRESHOLD: "1" };
  hosts = ["--base-url", h.client.baseUrl, "--api-base-url", h.client.apiBaseUrl];
});
afterAll(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});

describe("usage mistakes exit 2 and name what was typed", () => {
  test.each([
    [["new", "abc", "FILE"], "<folder_id>"],
    [["version", "12x", "FILE"], "<file_id>"],
    [["sync", ".", "0", "--max-delete", "5"], "--max-delete"],
    [["sync", ".", "0", "--queue", "redis://127.0.0.1:1/0", "--concurrency", "4"], "--concurrency"],
    [["new", "0", "FILE", "--as-user", "abc"], "--as-user"],
    [["version", "1", "FILE", "--name", "a/b"], "--name"],
  ])("%j", async (args, named) => {
    await writeFile(join(dir, "FILE"), "x");
    const r = await runCli(args.map((a) => (a === "FILE" ? join(dir, "FILE") : a)).concat(hosts), env, { timeoutMs: 20_000 }).done;
    expect({ code: r.code, names: r.stderr.includes(named) }).toEqual({ code: 2, names: true });
    expect(r.stderr).not.toMatch(/options\.|deleteExtraneous|folderId:|fileId:/);
  });
});

test("--if-match that no longer holds: refused before a byte is sent (412, exit 3)", async () => {
  const file = h.server.addFile("guarded.bin", bytesOf(100, 1));
  const path = join(dir, "guarded.bin");
  await writeFile(path, bytesOf(3 * 256 * 1024, 2));
  const before = h.server.log.length;
  const r = await runCli(["version", file.id, path, "--if-match", "999", "--json", ...hosts], env).done;
  expect(r.code).toBe(3);
  expect(JSON.parse(r.stderr).error).toMatchObject({ name: "BoxApiError", status: 412, code: "precondition_failed" });
  const after = h.server.log.slice(before).map((l) => l.route);
  expect(after).toEqual(["getFile"]);
  expect(h.server.files.get(file.id)!.versions).toHaveLength(1);
});

test("a dry run that would pass --max-delete lists what would have gone, then fails", async () => {
  const dest = h.server.addFolder("mirror-dest");
  for (const name of ["old1.txt", "old2.txt", "old3.txt"]) h.server.addFile(name, bytesOf(10, 3), dest.id);
  const root = join(dir, "mirror");
  await writeTree(root, { "kept.txt": bytesOf(5, 4) });
  const r = await runCli(["sync", root, dest.id, "--delete", "--max-delete", "2", "--dry-run", ...hosts], env).done;
  expect(r.code).toBe(8);
  for (const name of ["old1.txt", "old2.txt", "old3.txt"]) expect(r.stderr).toContain(`would trash ${name}`);
  expect(r.stderr).toContain("more than --max-delete 2: nothing was deleted");
  expect(h.server.list(dest.id).length).toBe(3);
});

test("a plan asked for and not offered says so, and --json says which bytes were sent and which held", async () => {
  const file = h.server.addFile("planless.bin", bytesOf(100, 5));
  const path = join(dir, "planless.bin");
  const data = bytesOf(3 * 256 * 1024 + 7, 6);
  await writeFile(path, data);
  const plain = await runCli(["version", file.id, path, "--plan", ...hosts], env).done;
  expect(plain.code).toBe(0);
  expect(plain.stderr).toContain("Box offered no upload plan for this upload: every part is sent");
  const json = await runCli(["version", file.id, path, "--plan", "--json", ...hosts], env).done;
  expect(json.code).toBe(0);
  expect(JSON.parse(json.stdout)).toMatchObject({ size: data.length, bytes_sent: data.length, bytes_planned: 0, bytes_resumed: 0, plan: "unavailable", parts: 4 });
  expect(requestsTo(h.server, "uploadPart").length).toBeGreaterThanOrEqual(8);
});

describe("what an operator asks for is checked before anything is sent", () => {
  test.each([
    [["sync", "TREE", "0", "--metrics-addr", "nonsense"], 2, "--metrics-addr"],
    [["sync", "TREE", "0", "--metrics-addr", "127.0.0.1:99999"], 2, "--metrics-addr"],
    [["watch", "TREE", "0", "--metrics-addr", "BUSY"], 2, "EADDRINUSE"],
    [["sync", "TREE", "0", "--report", "MISSING/report.jsonl"], 5, "--report"],
    [["worker", "--queue", "redis://127.0.0.1:1/0", "--metrics-addr", "BUSY"], 2, "EADDRINUSE"],
  ])("%j", async (args, code, named) => {
    const tree = join(dir, "op-tree");
    await writeTree(tree, { "a.txt": bytesOf(10, 1) });
    // A port some other server holds.
    const busy = await new Promise<import("node:net").Server>((resolve) => {
      const s = require("node:net").createServer();
      s.listen(0, "127.0.0.1", () => resolve(s));
    });
    try {
      const port = (busy.address() as { port: number }).port;
      const before = h.server.log.length;
      const typed = args.map((a) => (a === "TREE" ? tree : a === "BUSY" ? `127.0.0.1:${port}` : a.replace("MISSING", join(dir, "no-such-dir"))));
      const r = await runCli(typed.concat(args[0] === "worker" ? [] : hosts), env, { timeoutMs: 20_000 }).done;
      expect({ code: r.code, names: r.stderr.includes(named) }).toEqual({ code, names: true });
      expect(h.server.log.length).toBe(before);
    } finally {
      busy.close();
    }
  });
});
