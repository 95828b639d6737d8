/**
 * Class 7: the CLI under signals and bad flags, and what a long commit wait says. A first SIGTERM
 * or SIGINT stops the upload cleanly (exit 4): the session is aborted, or with --resume kept with
 * its state file. Usage errors exit 2, as JSON under --json. A commit still processing when the
 * wait runs out is reported as exactly that, never as a session that is gone.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { timedRejection } from "../support/checks/rejection";
import { until } from "../support/checks/timing";
import { CHUNKED_ENV, FAST_RETRY, FILE_ID, PART, TOKEN, clientFor, count, data, hostileBox } from "../support/hostile";
import { jsonAnswer, NO_ANSWER } from "../support/localBox/rawFaults";
import { closeAll } from "../support/process/cleanup";
import { runCli } from "../support/process/cli";

jest.setTimeout(15_000);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hostile-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(closeAll);

const env = { ...CHUNKED_ENV, BOX_ACCESS_TOKEN: TOKEN };

async function file(size = 4 * PART): Promise<string> {
  const path = join(dir, `f-${Math.random().toString(36).slice(2)}.bin`);
  await writeFile(path, data(size));
  return path;
}

/** A server whose part uploads are never answered: the CLI is mid-upload until signalled. */
const stalledParts = () => hostileBox({ before: (ctx) => (ctx.route === "uploadPart" ? NO_ANSWER : undefined) });

describe("signals", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    test(`${signal} to a running upload: exit 4 within a few seconds, and the session was aborted`, async () => {
      const box = await stalledParts();
      const run = runCli(["version", FILE_ID, await file(), "--base-url", box.baseUrl], env);
      await until(() => count(box, "uploadPart") > 0, 5000, "the first part");
      const signalledAt = Date.now();
      run.child.kill(signal);
      const r = await run.done;
      expect(r.code).toBe(4);
      expect(Date.now() - signalledAt).toBeLessThan(5000);
      expect(r.stderr).toMatch(/abort/i);
      expect(count(box, "abortSession")).toBe(1);
      expect(count(box, "commit")).toBe(0);
    });
  }

  test("SIGTERM with --resume: exit 4, the state file is kept, and the session is not aborted", async () => {
    const box = await stalledParts();
    const state = join(dir, "sig.state");
    const run = runCli(["version", FILE_ID, await file(), "--base-url", box.baseUrl, "--resume", state], env);
    await until(() => count(box, "uploadPart") > 0, 5000, "the first part");
    const signalledAt = Date.now();
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.code).toBe(4);
    expect(Date.now() - signalledAt).toBeLessThan(5000);
    expect(existsSync(state)).toBe(true);
    expect(JSON.parse(await readFile(state, "utf8"))).toMatchObject({ version: 1, sessionId: [...box.sessions.keys()][0] });
    expect(existsSync(`${state}.lock`)).toBe(false);
    expect(count(box, "abortSession")).toBe(0);
    expect(r.stderr).toContain(state);
  });
});

describe("usage", () => {
  for (const n of ["65", "0", "1.5", "-1"]) {
    test(`--concurrency ${n}: exit 2, and no request`, async () => {
      const box = await hostileBox();
      const r = await runCli(["version", FILE_ID, await file(), "--base-url", box.baseUrl, `--concurrency=${n}`], env).done;
      expect(r.code).toBe(2);
      expect(box.received).toHaveLength(0);
    });
  }

  test("under --json, an unknown flag prints JSON on stderr and exits 2", async () => {
    const r = await runCli(["version", "123", "x.bin", "--json", "--no-such-flag"], env).done;
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ error: { name: expect.any(String), message: expect.stringMatching(/no-such-flag/) } });
  });

  test("under --json, --concurrency 65 prints JSON on stderr and exits 2", async () => {
    const r = await runCli(["version", "123", "x.bin", "--json", "--concurrency", "65"], env).done;
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr.trim())).toMatchObject({ error: { message: expect.stringMatching(/concurrency/) } });
  });

  test("under --json, a missing BOX_ACCESS_TOKEN prints JSON on stderr and exits 2, with no request", async () => {
    const box = await hostileBox();
    const r = await runCli(["version", FILE_ID, await file(), "--base-url", box.baseUrl, "--json"], CHUNKED_ENV).done;
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr.trim())).toMatchObject({ error: { name: "BoxInputError" } });
    expect(box.received).toHaveLength(0);
  });
});

describe("a commit that is still processing", () => {
  test("202s until the wait runs out: reason still-processing, the message says so and never that the session is gone", async () => {
    const box = await hostileBox({ before: (ctx) => (ctx.route === "commit" ? jsonAnswer(202, "", { "retry-after": "0" }) : undefined) });
    const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(2 * PART), { retry: FAST_RETRY, commitWaitMs: 600 }));
    expect(err).toMatchObject({ name: "CommitUncertainError", reason: "still-processing" });
    expect(err.message).toMatch(/still processing/);
    expect(err.message).not.toMatch(/session is gone|is gone|no longer exists/);
    expect(err.message).toMatch(/session is kept/);
    expect(count(box, "abortSession")).toBe(0);
    // The session really is still there: the server never saw it deleted or committed away.
    expect([...box.sessions.values()][0]!.state).toBe("open");
  });

  test("the CLI exits 6 when the commit's answer is unreadable, and says what to check", async () => {
    const box = await hostileBox({
      before: (ctx) => (ctx.route === "commit" ? { raw: (_req, res) => res.writeHead(201, { "content-type": "text/html" }).end("<html>oops</html>") } : undefined),
    });
    const r = await runCli(["version", FILE_ID, await file(), "--base-url", box.baseUrl, "--json"], env).done;
    expect(r.code).toBe(6);
    expect(JSON.parse(r.stderr.trim())).toMatchObject({ error: { name: "CommitUncertainError", sha1: expect.stringMatching(/^[0-9a-f]{40}$/) } });
    expect(count(box, "abortSession")).toBe(0);
  });
});
