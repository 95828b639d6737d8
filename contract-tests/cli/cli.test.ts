/** The built `box-upload` CLI against the local Box server. */
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PART } from "../support/harness";
import { DEFAULT_TOKEN, LocalBoxServer } from "../support/localBox/server";
import { bytesOf } from "../support/random";
import { sha1 } from "../support/sha1";
import { barLine, etaText, progressLine, resumeLine } from "../../src/cli/progressView";
import { requestsTo, storedOffsets, versionSessionOf } from "../support/serverLog";
import { runCli } from "../support/process/cli";

// The server takes chunked sessions of any size; BOX_CHUNKED_THRESHOLD=1 sends these small files through them.
const env = { BOX_ACCESS_TOKEN: DEFAULT_TOKEN, BOX_CHUNKED_THRESHOLD: "1" };
let dir: string;
let server: LocalBoxServer;
let slowParts = false;
let onPartStored: (() => void) | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cli-"));
  server = new LocalBoxServer({
    minFileSize: 1,
    partSizeFor: () => PART,
    before: async (ctx) => {
      if (slowParts && ctx.route === "uploadPart") await new Promise((r) => setTimeout(r, 60));
      return undefined;
    },
    after: (ctx, status) => {
      if (ctx.route === "uploadPart" && status === 200) onPartStored?.();
      return undefined;
    },
  });
  await server.start();
});
afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

async function fileOf(name: string, size: number, seed = size): Promise<{ path: string; data: Buffer }> {
  const data = bytesOf(size, seed);
  const path = join(dir, name);
  await writeFile(path, data);
  return { path, data };
}

test("version --json: one JSON object on stdout with the committed file", async () => {
  const { path, data } = await fileOf("v.bin", 5 * PART + 3);
  const file = server.addFile("v.bin");
  const { code, stdout, stderr } = await runCli(["version", file.id, path, "--base-url", server.baseUrl, "--json", "--concurrency", "3"], env).done;
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const out = JSON.parse(stdout);
  expect(out).toEqual({
    file: expect.objectContaining({ id: file.id, name: "v.bin", size: data.length, sha1: sha1(data) }),
    session_id: expect.stringMatching(/^[0-9A-F]{32}$/),
    parts: 6,
    size: data.length,
    bytes_sent: data.length,
    bytes_planned: 0,
    bytes_resumed: 0,
    plan: "none",
    seconds: expect.any(Number),
  });
  expect(file.versions).toHaveLength(2);
  expect(stdout).not.toContain(DEFAULT_TOKEN);
});

test("new --name: creates the file; plain progress lines go to stderr when not a TTY", async () => {
  const { path, data } = await fileOf("local-name.bin", 9 * PART);
  const { code, stdout, stderr } = await runCli(["new", "0", path, "--name", "in-box.bin", "--base-url", server.baseUrl], env).done;
  expect(code).toBe(0);
  expect(stdout).toMatch(/^uploaded in-box\.bin \(\d+ bytes\) as file \d+/);
  expect(stdout).toContain(`sha1 ${sha1(data)}`);
  expect(stderr).toMatch(/100\.0% .* parts 9\/9\n$/);
  expect([...server.files.values()].some((f) => f.name === "in-box.bin")).toBe(true);
});

test("--quiet prints nothing on success", async () => {
  const { path } = await fileOf("q.bin", PART);
  const file = server.addFile("q.bin");
  const { code, stdout, stderr } = await runCli(["version", file.id, path, "--base-url", server.baseUrl, "--quiet"], env).done;
  expect([code, stdout, stderr]).toEqual([0, "", ""]);
});

test.each([
  [["version"], /missing required argument/],
  [["version", "1", "x.bin", "--concurrency", "zero"], /must be a whole number/],
  [["bogus"], /unknown command/],
  [["version", "1", "x.bin", "--token", "abc"], /unknown option/],
])("usage error %p exits 2", async (args, message) => {
  const { code, stderr } = await runCli(args as string[], env).done;
  expect(code).toBe(2);
  expect(stderr).toMatch(message);
});

test("no BOX_ACCESS_TOKEN: exit 2 with a JSON error on stderr under --json", async () => {
  const { code, stdout, stderr } = await runCli(["version", "1", "x.bin", "--base-url", server.baseUrl, "--json"], {}).done;
  expect(code).toBe(2);
  expect(stdout).toBe("");
  expect(JSON.parse(stderr)).toEqual({ error: expect.objectContaining({ name: "BoxInputError", argument: "BOX_ACCESS_TOKEN" }) });
});

test("an API error exits 3 with Box's fields in the JSON error", async () => {
  const { path } = await fileOf("missing.bin", PART);
  const { code, stderr } = await runCli(["version", "99999999", path, "--base-url", server.baseUrl, "--json"], env).done;
  expect(code).toBe(3);
  expect(JSON.parse(stderr).error).toEqual(expect.objectContaining({ name: "BoxApiError", status: 404, code: "not_found", request_id: expect.any(String) }));
  expect(stderr).not.toContain(DEFAULT_TOKEN);
});

test("a missing local file exits 5", async () => {
  const { code, stderr } = await runCli(["version", "1", join(dir, "nope.bin"), "--base-url", server.baseUrl], env).done;
  expect(code).toBe(5);
  expect(stderr).toMatch(/nope\.bin does not exist/);
});

describe("Ctrl-C", () => {
  afterEach(() => {
    slowParts = false;
    onPartStored = undefined;
  });

  test("with --resume: exits 4, keeps the state, and the next run completes sending only what is missing", async () => {
    const { path, data } = await fileOf("resume.bin", 16 * PART, 5);
    const state = join(dir, "resume.state");
    const file = server.addFile("resume.bin");
    slowParts = true;
    let stored = 0;
    const first = runCli(["version", file.id, path, "--base-url", server.baseUrl, "--resume", state, "--concurrency", "2"], env);
    onPartStored = () => ++stored === 3 && first.child.kill("SIGINT");
    const r1 = await first.done;
    expect(r1.code).toBe(4);
    await server.idle();
    expect(r1.stderr).toMatch(/interrupted/);
    expect(r1.stderr).toContain(`the upload's state is kept in ${state}`);
    await stat(state);
    const session = versionSessionOf(server, file.id);
    expect(session.state).toBe("open");
    const storedBefore = session.parts.size;
    expect(storedBefore).toBeGreaterThanOrEqual(3);
    expect(storedBefore).toBeLessThan(16);

    slowParts = false;
    const mark = server.log.length;
    const r2 = await runCli(["version", file.id, path, "--base-url", server.baseUrl, "--resume", state, "--json"], env).done;
    expect(r2.code).toBe(0);
    expect(JSON.parse(r2.stdout).file.sha1).toBe(sha1(data));
    expect(storedOffsets(server, mark)).toHaveLength(16 - storedBefore);
    expect(requestsTo(server, "createSession").filter((r) => r.path.includes(file.id))).toHaveLength(1);
    expect(file.versions).toHaveLength(2);
    await expect(stat(state)).rejects.toMatchObject({ code: "ENOENT" });
  });

  test("without --resume: exits 4 and aborts the session", async () => {
    const { path } = await fileOf("abort.bin", 16 * PART, 6);
    const file = server.addFile("abort.bin");
    slowParts = true;
    let stored = 0;
    const run = runCli(["version", file.id, path, "--base-url", server.baseUrl, "--concurrency", "2"], env);
    onPartStored = () => ++stored === 2 && run.child.kill("SIGINT");
    expect((await run.done).code).toBe(4);
    expect(versionSessionOf(server, file.id).state).toBe("aborted");
    expect(file.versions).toHaveLength(1);
  });
});

test("progressLine moves with the bytes this run sent, shows the cap beside the speed in the same unit, fits 80 columns", () => {
  const p = { sessionId: "S", bytesUploaded: 50e6, bytesSent: 60e6, bytesResumed: 0, bytesPlanned: 0, resumedParts: 0, totalBytes: 200e6, partsUploaded: 6, totalParts: 24 };
  expect(progressLine(p, 10_000)).toBe("30.0% sent 60.0/200.0 MB 6.0 MB/s eta 24s parts 6/24");
  // --bwlimit 8M is 8 MiB/s: shown as the 8.4 MB/s it is, beside a speed in MB/s.
  expect(progressLine(p, 10_000, 8 * 1024 * 1024)).toBe("30.0% sent 60.0/200.0 MB 6.0 MB/s (cap 8.4) eta 24s parts 6/24");
  expect(progressLine({ ...p, totalBytes: 99_999e6, bytesSent: 99_998e6, bytesUploaded: 99_997e6, partsUploaded: 9999, totalParts: 10000 }, 1, 1e9).length).toBeLessThanOrEqual(80);
});

test("no time left before three seconds of measured rate; minutes and hours past a minute", () => {
  const p = { sessionId: "", bytesUploaded: 0, bytesSent: 1e5, bytesResumed: 0, bytesPlanned: 0, resumedParts: 0, totalBytes: 5e6, partsUploaded: 0, totalParts: 1 };
  expect(progressLine(p, 100)).toBe("2.0% sent 0.1/5.0 MB 1.0 MB/s eta -");
  expect(progressLine(p, 3_000)).toMatch(/ eta 2m27s$/);
  expect(etaText(7_300e6, 1e6)).toBe("2h01m");
  expect(barLine({ ...p, bytesSent: 5e6, bytesUploaded: 5e6 }, 100)).toBe("[################] 100% sent 5.0/5.0 MB 50.0 MB/s eta 0s");
});

test("a resumed run counts what Box held apart from what it sends: speed and ETA are this run's alone", () => {
  // The first event of a resumed run: six parts held, counted at once.
  const first = { sessionId: "S1", bytesUploaded: 60e6, bytesSent: 0, bytesResumed: 60e6, bytesPlanned: 0, resumedParts: 6, totalBytes: 130e6, partsUploaded: 6, totalParts: 13 };
  expect(resumeLine(first)).toBe("resuming session S1: 6/13 parts already in Box");
  expect(resumeLine({ ...first, resumedParts: 0 })).toBeUndefined();
  expect(barLine(first, 10)).toMatch(/^\[#######---------\]  46% sent 0\.0 \+ held 60\.0 of 130\.0 MB /);
  const p = { sessionId: "S1", bytesUploaded: 80e6, bytesSent: 10e6, bytesResumed: 80e6, bytesPlanned: 0, resumedParts: 8, totalBytes: 180e6, partsUploaded: 9, totalParts: 18 };
  // 10 MB sent by this run in 4 s: 2.5 MB/s, 90 MB left: 36 s; not (90 MB / 4 s).
  expect(progressLine(p, 4_000)).toBe("50.0% sent 10.0 + held 80.0 of 180.0 MB 2.5 MB/s eta 36s parts 9/18");
});

test("a planned version: the line shows what was sent and what Box held, not the whole file as sent", () => {
  const p = { sessionId: "S", bytesUploaded: 60e6, bytesSent: 8.4e6, bytesResumed: 0, bytesPlanned: 51.6e6, resumedParts: 0, totalBytes: 60e6, partsUploaded: 8, totalParts: 8 };
  expect(progressLine(p, 5_000)).toBe("100.0% sent 8.4 + held 51.6 of 60.0 MB 1.7 MB/s eta 0s parts 8/8");
});
