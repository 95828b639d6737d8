/**
 * Files arrive as they are: each upload sends the local file's modification time (and, for a new
 * file, its birth time where the file system keeps one), to the second, by the direct path and by
 * the chunked commit alike, new files and versions alike, and every request still validates
 * against the fragment. And `asUser`: every API and upload request of a run carries As-User,
 * the token endpoint never does.
 */
import { mkdtemp, rm, stat, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BoxInputError } from "../../src";
import { rfc3339 } from "../../src/upload/options";
import { rejectionOf } from "../support/checks/rejection";
import { startHarness, type Harness } from "../support/harness";
import { DEFAULT_OAUTH_CLIENT, DEFAULT_TOKEN } from "../support/localBox/server";
import { runCli } from "../support/process/cli";
import { bytesOf } from "../support/random";
import { writeTree } from "../support/tree";

const THRESHOLD = 1_000_000;
const OLD = new Date("2001-02-03T04:05:06.789Z");
let h: Harness;
let dir: string;
beforeAll(async () => {
  h = await startHarness({ minFileSize: THRESHOLD }, { uploadDefaults: { chunkedThreshold: THRESHOLD } });
  dir = await mkdtemp(join(tmpdir(), "times-"));
});
afterAll(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => expect(h.proxy.violations).toEqual([]));

test("a sync keeps every file's modification time in Box: direct and chunked, new files and versions", async () => {
  const root = join(dir, "tree");
  const files = { "new small.txt": bytesOf(100, 1), "new big.bin": bytesOf(2 * THRESHOLD, 2), "old small.txt": bytesOf(200, 3), "old big.bin": bytesOf(3 * THRESHOLD, 4) };
  await writeTree(root, files);
  for (const name of Object.keys(files)) await utimes(join(root, name), OLD, OLD);
  const dest = h.server.addFolder("times");
  const oldSmall = h.server.addFile("old small.txt", bytesOf(200, 99), dest.id);
  const oldBig = h.server.addFile("old big.bin", bytesOf(3 * THRESHOLD, 98), dest.id);
  const createdBefore = { small: oldSmall.contentCreatedAt, big: oldBig.contentCreatedAt };
  const summary = await h.client.syncFolder(root, dest.id);
  expect(summary).toMatchObject({ uploaded: 2, versioned: 2, failed: 0 });
  const byName = new Map([...h.server.files.values()].filter((f) => f.folderId === dest.id).map((f) => [f.name, f]));
  for (const name of Object.keys(files)) expect(byName.get(name)!.contentModifiedAt).toBe("2001-02-03T04:05:06Z");
  // A new file also gets its birth time, where this file system keeps one; a version keeps the file's.
  for (const name of ["new small.txt", "new big.bin"]) {
    const born = (await stat(join(root, name))).birthtimeMs;
    expect(byName.get(name)!.contentCreatedAt).toBe(born > 0 ? rfc3339(born) : undefined);
  }
  expect(oldSmall.contentCreatedAt).toBe(createdBefore.small);
  expect(oldBig.contentCreatedAt).toBe(createdBefore.big);
  // And Box answers them as the file's content times.
  const read = await h.client.api.getFile(oldBig.id, ["content_modified_at"]);
  expect(read.content_modified_at).toBe("2001-02-03T04:05:06Z");
});

test("a Buffer has no times of its own: the options give them, checked before anything is sent", async () => {
  const bytes = bytesOf(2 * THRESHOLD + 1, 5);
  const file = await h.client.uploadNewFile("0", "from-memory.bin", bytes, { contentModifiedAt: OLD, contentCreatedAt: "1999-12-31T23:59:59+01:00" });
  const stored = h.server.files.get(file.id!)!;
  expect(stored.contentModifiedAt).toBe("2001-02-03T04:05:06Z");
  expect(stored.contentCreatedAt).toBe("1999-12-31T22:59:59Z");
  const sent = h.server.log.length;
  await rejectionOf(h.client.uploadNewFile("0", "bad.bin", bytes, { contentModifiedAt: "yesterday" }), BoxInputError);
  await rejectionOf(h.client.uploadNewVersion(file.id!, bytes, { contentCreatedAt: OLD }), BoxInputError);
  expect(h.server.log.length).toBe(sent);
});

describe("As-User", () => {
  test("`asUser` is sent on every API and upload request of a sync, and only digits are taken", async () => {
    const root = join(dir, "as-user");
    await writeTree(root, { "a.txt": bytesOf(10, 6), "d/b.bin": bytesOf(2 * THRESHOLD, 7) });
    const dest = h.server.addFolder("as-user");
    const mark = h.server.received.length;
    const r = await runCli(["sync", root, dest.id, "--as-user", "4242", "--base-url", h.client.baseUrl, "--api-base-url", h.client.apiBaseUrl], {
      BOX_ACCESS_TOKEN: DEFAULT_TOKEN,
      BOX_CHUNKED_THRESHOLD: String(THRESHOLD),
      HOME: dir,
    }).done;
    expect(r.code).toBe(0);
    const requests = h.server.received.slice(mark);
    expect(new Set(requests.map((q) => q.route))).toEqual(new Set(["listFolderItems", "createFolder", "uploadFile", "createSessionNewFile", "uploadPart", "commit"]));
    for (const q of requests) expect(q.headers["as-user"]).toBe("4242");
    const bad = await runCli(["sync", root, dest.id, "--as-user", "42x", "--base-url", h.client.baseUrl], { BOX_ACCESS_TOKEN: DEFAULT_TOKEN, HOME: dir }).done;
    expect(bad.code).toBe(2);
  });

  test("with client credentials, the token endpoint never gets As-User (BOX_AS_USER from the environment)", async () => {
    const path = join(dir, "as-user-cc.txt");
    await writeTree(dir, { "as-user-cc.txt": bytesOf(5, 8) });
    const mark = h.server.received.length;
    const r = await runCli(["new", "0", path, "--base-url", h.client.baseUrl, "--api-base-url", h.client.apiBaseUrl], {
      BOX_CLIENT_ID: DEFAULT_OAUTH_CLIENT.clientId,
      BOX_CLIENT_SECRET: DEFAULT_OAUTH_CLIENT.clientSecret,
      BOX_ENTERPRISE_ID: "1",
      BOX_AS_USER: "777",
      HOME: dir,
    }).done;
    expect(r.code).toBe(0);
    const requests = h.server.received.slice(mark);
    const token = requests.filter((q) => q.route === "oauthToken");
    expect(token).toHaveLength(1);
    expect(token[0]!.headers["as-user"]).toBeUndefined();
    const others = requests.filter((q) => q.route !== "oauthToken");
    expect(others.length).toBeGreaterThan(0);
    for (const q of others) expect(q.headers["as-user"]).toBe("777");
  });
});

test("a time RFC 3339 cannot write (past the year 9999) is refused before anything is sent", async () => {
  const sent = h.server.log.length;
  await rejectionOf(h.client.uploadNewFile("0", "far.bin", bytesOf(10, 9), { contentModifiedAt: new Date(Date.UTC(10000, 0, 1)) }), BoxInputError);
  expect(h.server.log.length).toBe(sent);
});
