/**
 * Resume after a crash: an upload killed with SIGKILL in a child process is continued by a new
 * run from its state file, sending only the parts the server does not have.
 */
import { mkdtemp, readFile, rm, stat, writeFile, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BoxUploadClient, SourceChangedError } from "../../src";
import { planParts } from "../../src/core/partPlan";
import { PART } from "../support/harness";
import { DEFAULT_TOKEN, LocalBoxServer } from "../support/localBox/server";
import { bytesOf } from "../support/random";
import { sha1 } from "../support/sha1";
import { rejectionOf } from "../support/checks/rejection";
import { UPLOAD_CHILD } from "../support/paths";
import { spawnNode } from "../support/process/child";
import { requestsTo, storedOffsets } from "../support/serverLog";
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "resume-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

test("kill -9 mid-upload, then resume: only the missing parts are sent, one version results", async () => {
  const size = 12 * PART + 321;
  const data = bytesOf(size, 99);
  const path = join(dir, "big.bin");
  const statePath = join(dir, "upload.state.json");
  await writeFile(path, data);

  let stored = 0;
  let killAt: (() => void) | undefined;
  const server = new LocalBoxServer({
    minFileSize: 1,
    partSizeFor: () => PART,
    // Slow parts so the kill lands mid-way; kill once four parts are stored.
    before: async (ctx) => {
      if (ctx.route === "uploadPart") await new Promise((r) => setTimeout(r, 40));
      return undefined;
    },
    after: (ctx, status) => {
      if (ctx.route === "uploadPart" && status === 200 && ++stored === 4) killAt?.();
      return undefined;
    },
  });
  const baseUrl = await server.start();
  const file = server.addFile("big.bin", Buffer.from("v1"));
  try {
    const config = { baseUrl, token: DEFAULT_TOKEN, fileId: file.id, path, options: { concurrency: 2, resume: { path: statePath } } };
    const { child, done } = spawnNode([UPLOAD_CHILD, JSON.stringify(config)], { stderr: "inherit" });
    killAt = () => child.kill("SIGKILL");
    expect((await done).signal).toBe("SIGKILL");
    // A part whose body had fully arrived is still stored after its sender died: let it land.
    await server.idle();

    const session = [...server.sessions.values()][0]!;
    const onServer = [...session.parts.keys()].sort((a, b) => a - b);
    expect(onServer.length).toBeGreaterThanOrEqual(4);
    expect(onServer.length).toBeLessThan(13);
    const state = await readFile(statePath, "utf8");
    expect(JSON.parse(state).sessionId).toBe(session.id);
    expect(state).not.toContain(DEFAULT_TOKEN);
    expect((await stat(statePath)).mode & 0o777).toBe(0o600);

    const mark = server.log.length;
    const client = new BoxUploadClient({ token: DEFAULT_TOKEN, baseUrl, uploadDefaults: { chunkedThreshold: 1 } });
    try {
      const committed = await client.uploadNewVersion(file.id, path, { resume: { path: statePath } });
      expect(committed.sha1).toBe(sha1(data));
    } finally {
      await client.close();
    }
    const missing = planParts(size, PART).map((p) => p.offset).filter((o) => !onServer.includes(o));
    expect(storedOffsets(server, mark)).toEqual(missing);
    expect(requestsTo(server, "createSession")).toHaveLength(1);
    expect(file.versions).toHaveLength(2);
    await expect(stat(statePath)).rejects.toMatchObject({ code: "ENOENT" });
  } finally {
    await server.stop();
  }
});

describe("resume state", () => {
  let server: LocalBoxServer;
  let client: BoxUploadClient;
  beforeEach(async () => {
    server = new LocalBoxServer({
      minFileSize: 1,
      partSizeFor: () => PART,
      // Fail the upload after two parts, keeping the session for resume.
      before: (ctx) => (ctx.route === "uploadPart" && (ctx.range?.offset ?? 0) >= 2 * PART && failing ? { status: 400 } : undefined),
    });
    client = new BoxUploadClient({ token: DEFAULT_TOKEN, baseUrl: await server.start(), uploadDefaults: { chunkedThreshold: 1 } });
  });
  afterEach(async () => {
    await client.close();
    await server.stop();
  });
  let failing = true;

  async function failedRun(path: string, statePath: string, fileId: string) {
    failing = true;
    await expect(client.uploadNewVersion(fileId, path, { concurrency: 1, resume: { path: statePath } })).rejects.toThrow();
    failing = false;
    expect(requestsTo(server, "abortSession")).toHaveLength(0);
  }

  test("a changed source is refused with SourceChangedError before anything is sent", async () => {
    const path = join(dir, "a.bin");
    const statePath = join(dir, "a.state");
    await writeFile(path, bytesOf(6 * PART, 1));
    const file = server.addFile("a.bin");
    await failedRun(path, statePath, file.id);
    await writeFile(path, bytesOf(6 * PART, 2));
    const mark = server.log.length;
    await expect(client.uploadNewVersion(file.id, path, { resume: { path: statePath } })).rejects.toBeInstanceOf(SourceChangedError);
    expect(server.log.length).toBe(mark);
  });

  test("content changed under an unchanged mtime is still caught by the fingerprint", async () => {
    const path = join(dir, "b.bin");
    const statePath = join(dir, "b.state");
    // A whole-second mtime survives utimes exactly, so only the content differs between the runs.
    const when = new Date("2026-01-01T00:00:00Z");
    await writeFile(path, bytesOf(6 * PART, 1));
    await utimes(path, when, when);
    const file = server.addFile("b.bin");
    await failedRun(path, statePath, file.id);
    const changed = bytesOf(6 * PART, 1);
    changed[10] = changed[10]! ^ 0xff;
    await writeFile(path, changed);
    await utimes(path, when, when);
    const err = await rejectionOf(client.uploadNewVersion(file.id, path, { resume: { path: statePath } }), SourceChangedError);
    expect(err.message).toMatch(/content changed/);
  });

  test("an expired session starts cleanly with a new one", async () => {
    const path = join(dir, "c.bin");
    const statePath = join(dir, "c.state");
    const data = bytesOf(6 * PART, 3);
    await writeFile(path, data);
    const file = server.addFile("c.bin");
    await failedRun(path, statePath, file.id);
    const old = JSON.parse(await readFile(statePath, "utf8")).sessionId;
    server.expireSession(old);
    const committed = await client.uploadNewVersion(file.id, path, { resume: { path: statePath } });
    expect(committed.sha1).toBe(sha1(data));
    expect(requestsTo(server, "createSession")).toHaveLength(2);
    expect(file.versions).toHaveLength(2);
  });

  test("a state file for another target is refused", async () => {
    const path = join(dir, "d.bin");
    const statePath = join(dir, "d.state");
    await writeFile(path, bytesOf(6 * PART, 4));
    const file = server.addFile("d.bin");
    await failedRun(path, statePath, file.id);
    const other = server.addFile("other.bin");
    await expect(client.uploadNewVersion(other.id, path, { resume: { path: statePath } })).rejects.toMatchObject({ name: "BoxInputError" });
  });
});
