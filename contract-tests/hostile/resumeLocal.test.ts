/**
 * Class 5: the resume state file against the local machine. Planted symlinks are never followed
 * into a victim file; a state path that cannot be used, a state file that is malformed, or one in
 * use by a live process fails with BoxInputError before a single request; a dead owner's lock is
 * taken over and the temp files a killed run left are swept (a live rival's claim is not); two
 * uploads on one state file never both run (one commit, one session).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { timedRejection } from "../support/checks/rejection";
import { until } from "../support/checks/timing";
import { CHUNKED_ENV, FAST_RETRY, FILE_ID, PART, TOKEN, clientFor, count, data, hostileBox } from "../support/hostile";
import { closeAll } from "../support/process/cleanup";
import { runCli } from "../support/process/cli";
import { inPlainNode } from "../support/process/jsonChild";

jest.setTimeout(15_000);
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hostile-resume-"));
});
afterEach(async () => {
  await closeAll();
  await rm(dir, { recursive: true, force: true });
});

const VICTIM_TEXT = "precious victim content\n";

async function victim(): Promise<string> {
  const path = join(dir, "victim.txt");
  await writeFile(path, VICTIM_TEXT);
  return path;
}

describe("planted symlinks", () => {
  test("symlinks at the predictable temp names are never followed: the victim is unchanged after an upload", async () => {
    const target = await victim();
    const state = join(dir, "up.state");
    const planted = [`${state}.tmp`, `${state}.${process.pid}.1.tmp`, `${state}.${process.pid}.0.tmp`, `${state}.1.tmp`, `${state}.new`];
    for (const link of planted) await symlink(target, link);
    const box = await hostileBox();
    const file = await clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(3 * PART), { concurrency: 1, retry: FAST_RETRY, resume: { path: state } });
    expect(file).toMatchObject({ id: FILE_ID });
    expect(await readFile(target, "utf8")).toBe(VICTIM_TEXT);
    expect(count(box, "commit")).toBe(1);
  });

  test("the same with a failed upload (state kept): the victim is unchanged and the state file is a real file", async () => {
    const target = await victim();
    const state = join(dir, "up.state");
    for (const link of [`${state}.tmp`, `${state}.${process.pid}.1.tmp`, `${state}.${process.pid}.2.tmp`]) await symlink(target, link);
    const box = await hostileBox({
      before: (ctx) =>
        ctx.route === "commit" ? { raw: (_req, res) => res.writeHead(400, { "content-type": "application/json" }).end('{"type":"error","status":400,"code":"bad_request"}') } : undefined,
    });
    const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(3 * PART), { retry: FAST_RETRY, resume: { path: state } }));
    expect(err.name).toBe("BoxApiError");
    expect(await readFile(target, "utf8")).toBe(VICTIM_TEXT);
    expect(JSON.parse(await readFile(state, "utf8"))).toMatchObject({ version: 1 });
  });

  test("a symlink planted at the lock path is not written through: the victim is unchanged", async () => {
    const target = await victim();
    const state = join(dir, "up.state");
    await symlink(target, `${state}.lock`);
    const box = await hostileBox();
    await clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(2 * PART), { retry: FAST_RETRY, resume: { path: state } }).catch(() => undefined);
    expect(await readFile(target, "utf8")).toBe(VICTIM_TEXT);
  });

  test("the state path itself a symlink to a victim: BoxInputError, zero requests, the victim unchanged", async () => {
    const target = await victim();
    const state = join(dir, "up.state");
    await symlink(target, state);
    const box = await hostileBox();
    const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(2 * PART), { retry: FAST_RETRY, resume: { path: state } }));
    expect(err.name).toBe("BoxInputError");
    expect(box.received).toHaveLength(0);
    expect(await readFile(target, "utf8")).toBe(VICTIM_TEXT);
  });
});

describe("unusable or malformed state", () => {
  test("a state path in a missing directory: BoxInputError, and the server saw zero requests", async () => {
    const box = await hostileBox();
    const state = join(dir, "no", "such", "dir", "up.state");
    const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(2 * PART), { retry: FAST_RETRY, resume: { path: state } }));
    expect(err.name).toBe("BoxInputError");
    expect(err.message).toContain(state);
    expect(box.received).toHaveLength(0);
  });

  const good = () => ({
    version: 1,
    sessionId: "ABCDEF0123456789",
    target: { kind: "version", fileId: FILE_ID },
    partSize: PART,
    totalParts: 2,
    source: { size: 2 * PART },
    parts: [],
    updatedAt: new Date().toISOString(),
  });
  const broken: [string, Record<string, unknown> | string][] = [
    ["no target", (({ target, ...rest }) => (void target, rest))(good())],
    ['partSize "x"', { ...good(), partSize: "x" }],
    ["a sessionId of ../x", { ...good(), sessionId: "../x" }],
    ["a target of another kind", { ...good(), target: { kind: "elsewhere" } }],
    ["a malformed commitSha1", { ...good(), commitSha1: "not-a-sha1" }],
    ["not JSON", "{ this is not json"],
    ["JSON null", "null"],
  ];
  for (const [what, content] of broken) {
    test(`a state file with ${what}: BoxInputError naming the file, zero requests`, async () => {
      const box = await hostileBox();
      const state = join(dir, "up.state");
      await writeFile(state, typeof content === "string" ? content : JSON.stringify(content));
      const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(2 * PART), { retry: FAST_RETRY, resume: { path: state } }));
      expect(err.name).toBe("BoxInputError");
      expect(err.message).toContain(state);
      expect(box.received).toHaveLength(0);
    });
  }
});

describe("locks", () => {
  test("two uploads on one state path at once in one process: the second fails 'in use' before any request; one session, one commit", async () => {
    // Several rounds: the lock must hold however the two claims interleave.
    for (let round = 0; round < 20; round++) {
      const box = await hostileBox();
      const state = join(dir, `same-${round}.state`);
      const client = clientFor(box.baseUrl);
      const bytes = data(3 * PART);
      const results = await Promise.allSettled([
        client.uploadNewVersion(FILE_ID, bytes, { retry: FAST_RETRY, resume: { path: state } }),
        client.uploadNewVersion(FILE_ID, bytes, { retry: FAST_RETRY, resume: { path: state } }),
      ]);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect({ round, fulfilled: results.length - rejected.length }).toEqual({ round, fulfilled: 1 });
      expect(rejected[0]!.reason).toMatchObject({ name: "BoxInputError", message: expect.stringMatching(/in use/) });
      expect({ round, sessions: count(box, "createSession"), commits: count(box, "commit") }).toEqual({ round, sessions: 1, commits: 1 });
    }
  });

  test("two CLI processes on one --resume state: the second exits 5 ('in use') without a request; one session, one commit", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const box = await hostileBox({
      before: async (ctx) => {
        if (ctx.route === "uploadPart") await gate;
        return undefined;
      },
    });
    const path = join(dir, "cli.bin");
    await writeFile(path, data(3 * PART));
    const state = join(dir, "cli.state");
    const args = ["version", FILE_ID, path, "--base-url", box.baseUrl, "--resume", state, "--json"];
    const env = { ...CHUNKED_ENV, BOX_ACCESS_TOKEN: TOKEN };
    const first = runCli(args, env);
    await until(() => count(box, "uploadPart") === 3, 5000, "the first CLI's three parts");
    const before = box.received.length;
    const second = await runCli(args, env).done;
    expect(second.code).toBe(5);
    expect(second.stderr).toMatch(/in use/);
    expect(box.received.length).toBe(before);
    release();
    const one = await first.done;
    expect(one.code).toBe(0);
    expect(count(box, "createSession")).toBe(1);
    expect(count(box, "commit")).toBe(1);
  });

  test("six processes claiming one state path at the same instant, round after round: never two at once", async () => {
    // Each round's winner holds the state while its parts are answered (after 150 ms). A second
    // session in a round is a broken lock if it was opened while another was still running.
    const rounds = 12;
    const box = await hostileBox(
      {
        before: async (ctx) => {
          if (ctx.route === "uploadPart") await new Promise((r) => setTimeout(r, 150));
          return undefined;
        },
      },
      Array.from({ length: rounds }, (_, round) => String(1000 + round)),
    );
    const path = join(dir, "race.bin");
    await writeFile(path, data(PART));
    const body = `
      const outcomes = [];
      for (let round = 0; round < args.rounds; round++) {
        while (Date.now() < args.startAt + round * 400) {}
        const client = new lib.BoxUploadClient({ token: args.token, baseUrl: args.url });
        try {
          await client.uploadNewVersion(String(1000 + round), args.path, { chunkedThreshold: 1, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 }, resume: { path: args.dir + "/race-" + round + ".state" } });
          outcomes.push("committed");
        } catch (e) {
          outcomes.push(e.name + ": " + e.message);
        } finally {
          await client.close();
        }
      }
      return outcomes;`;
    const args = { token: TOKEN, url: box.baseUrl, path, dir, rounds, startAt: Date.now() + 1000 };
    const perProcess = (await Promise.all([1, 2, 3, 4, 5, 6].map(() => inPlainNode(body, args)))) as string[][];
    for (let round = 0; round < rounds; round++) {
      const outcomes = perProcess.map((o) => o[round]!);
      // A second session for the same state is a broken lock only if it was opened while another
      // was still running (between its creation and its commit); one opened after is a new run.
      const sessions = [...box.sessions.values()].filter((s) => s.target.kind === "version" && s.target.fileId === String(1000 + round));
      const committedAt = (id: string) => box.received.find((r) => r.route === "commit" && r.sessionId === id)?.at ?? Infinity;
      const overlapping = sessions.flatMap((a) => sessions.filter((b) => b !== a && a.createdAt <= b.createdAt && b.createdAt < committedAt(a.id)).map((b) => b.createdAt - a.createdAt));
      expect({ round, sessions: sessions.length, openedWhileAnotherRan_msAfterIt: overlapping }).toEqual({ round, sessions: expect.any(Number), openedWhileAnotherRan_msAfterIt: [] });
      expect({ round, committed: outcomes.filter((o) => o === "committed").length }).toEqual({ round, committed: sessions.length });
      for (const o of outcomes.filter((o) => o !== "committed")) expect(o).toMatch(/^BoxInputError: .*(in use|same moment)/);
    }
  });

  test("a lock file held by a live process: BoxInputError 'in use', zero requests", async () => {
    const box = await hostileBox();
    const state = join(dir, "live.state");
    await writeFile(`${state}.lock`, String(process.pid));
    const { err } = await timedRejection(clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(2 * PART), { retry: FAST_RETRY, resume: { path: state } }));
    expect(err).toMatchObject({ name: "BoxInputError", message: expect.stringMatching(/in use/) });
    expect(box.received).toHaveLength(0);
  });

  test("a stale lock file holding a dead pid is taken over; the upload completes and the lock is gone", async () => {
    const dead = spawn(process.execPath, ["-e", ""]);
    const deadPid = dead.pid!;
    await new Promise((r) => dead.once("exit", r));
    const box = await hostileBox();
    for (const pid of [deadPid, 999999]) {
      const state = join(dir, `stale-${pid}.state`);
      await writeFile(`${state}.lock`, String(pid));
      const file = await clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(2 * PART), { retry: FAST_RETRY, resume: { path: state } });
      expect(file).toMatchObject({ id: FILE_ID });
      expect(existsSync(`${state}.lock`)).toBe(false);
      expect(existsSync(state)).toBe(false);
    }
    expect(count(box, "commit")).toBe(2);
  });

  test("temp files a killed run left beside the state are swept by the next owner; a live claim's temp file stays", async () => {
    const dead = spawn(process.execPath, ["-e", ""]);
    const deadPid = dead.pid!;
    await new Promise((r) => dead.once("exit", r));
    const box = await hostileBox();
    const state = join(dir, "swept.state");
    const uuid = (n: number) => `${String(n).repeat(8)}-1111-4111-8111-111111111111`;
    await writeFile(`${state}.${uuid(1)}.tmp`, '{"half": "a save cut short');
    await writeFile(`${state}.lock.${uuid(2)}.tmp`, String(deadPid));
    await writeFile(`${state}.lock.${uuid(3)}.tmp`, String(process.pid)); // a live rival mid-claim
    await writeFile(join(dir, `other.state.${uuid(4)}.tmp`), "not this state's");
    const file = await clientFor(box.baseUrl).uploadNewVersion(FILE_ID, data(2 * PART), { retry: FAST_RETRY, resume: { path: state } });
    expect(file).toMatchObject({ id: FILE_ID });
    expect((await readdir(dir)).sort()).toEqual([`other.state.${uuid(4)}.tmp`, `swept.state.lock.${uuid(3)}.tmp`]);
  });
});
