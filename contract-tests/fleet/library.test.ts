/**
 * The fleet from code (createFleet: a producer and a worker, each with its own client), what it
 * keeps out of Redis (a client secret and the tokens issued for it, in a job, a state or an
 * event), what it refuses before anything connects, and that a program which never names a queue
 * never loads BullMQ or ioredis; a queued sync does what a local one does (a mirror's deletions
 * once every job settled, the plan mode, the files' times, As-User). Also the CLI's usage errors
 * around --queue.
 */
import { mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BoxInputError, BoxUploadClient, createFleet, type Fleet } from "../../src";
import { DEFAULT_OAUTH_CLIENT, DEFAULT_TOKEN, LocalBoxServer } from "../support/localBox/server";
import { rejectionOf } from "../support/checks/rejection";
import { runCli } from "../support/process/cli";
import { inPlainNode } from "../support/process/jsonChild";
import { bytesOf } from "../support/random";
import { dumpRedis, startRedis, type LocalRedis } from "../support/redis";
import { localFilesByPath, writeTree } from "../support/tree";
import { requestsTo } from "../support/serverLog";

jest.setTimeout(60_000);
const THRESHOLD = 1_000_000;
let dir: string;
let redis: LocalRedis;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fleet-lib-"));
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

test("a producer and a worker from code, on client credentials: the tree goes in, and no secret or token is ever in Redis", async () => {
  const server = new LocalBoxServer({ minFileSize: THRESHOLD, partSizeFor: () => 256 * 1024, bytesPerSecond: 4_000_000 });
  await server.start();
  const fleets: Fleet[] = [];
  const client = () =>
    new BoxUploadClient({
      token: { clientCredentials: { clientId: DEFAULT_OAUTH_CLIENT.clientId, clientSecret: DEFAULT_OAUTH_CLIENT.clientSecret, enterpriseId: "e1" } },
      baseUrl: server.baseUrl,
      apiBaseUrl: server.apiBaseUrl,
      pacer: fleets.at(-1)!.pacer,
    });
  try {
    const root = join(dir, "lib");
    await writeTree(root, { "a.txt": bytesOf(100, 1), "d/b.txt": bytesOf(200, 2), "d/big.bin": bytesOf(3 * THRESHOLD, 3) });
    const dest = server.addFolder("lib-dest");
    fleets.push(createFleet({ redis: redis.url, prefix: "lib", stallTimeoutMs: 2000 }));
    const workerClient = client();
    const stop = new AbortController();
    const events: string[] = [];
    const working = fleets[0]!.work(workerClient, { transfers: 2, concurrency: 2, signal: stop.signal, onEvent: (e) => events.push(`${e.type} ${e.action} ${e.path}`) });

    fleets.push(createFleet({ redis: redis.url, prefix: "lib" }));
    const producerClient = client();
    const dumps: string[] = [];
    // Look into Redis while the big file's state is there.
    const watching = (async () => {
      for (let i = 0; i < 400 && dumps.length === 0; i++) {
        if ((await redis.client.keys("lib:state:*")).some((k) => !k.endsWith(":lock"))) dumps.push(await dumpRedis(redis.client));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const summary = await fleets[1]!.sync(producerClient, root, dest.id, { chunkedThreshold: THRESHOLD });
    await watching;
    expect(summary).toMatchObject({ uploaded: 3, versioned: 0, skipped: 0, failed: 0, foldersCreated: 1, bytesSent: 300 + 3 * THRESHOLD });
    const box = server.filesByPath(dest.id);
    for (const [path, f] of await localFilesByPath(root)) expect(box.get(path)?.sha1).toBe(f.sha1);
    expect(events.sort()).toEqual(["file upload a.txt", "file upload d/b.txt", "file upload d/big.bin"]);

    stop.abort();
    await working;
    dumps.push(await dumpRedis(redis.client));
    const tokens = new Set(server.received.map((r) => String(r.headers.authorization ?? "").replace(/^Bearer /, "")).filter(Boolean));
    expect(tokens.size).toBeGreaterThanOrEqual(2);
    expect(dumps[0]).toMatch(/lib:state:[0-9a-f]{40} \(string\): .*sessionId/);
    for (const dump of dumps) {
      expect(dump).not.toContain(DEFAULT_OAUTH_CLIENT.clientSecret);
      for (const token of tokens) expect(dump).not.toContain(token);
    }
    await Promise.all([producerClient.close(), workerClient.close()]);
  } finally {
    await Promise.all(fleets.map((f) => f.close()));
    await server.stop();
  }
});

test("a queued sync does what a local one does: --delete after every job, the plan mode, the files' times, As-User on every request", async () => {
  const server = new LocalBoxServer({ minFileSize: THRESHOLD, partSizeFor: () => 256 * 1024, uploadPlan: { hits: "commit" } });
  await server.start();
  const fleet = createFleet({ redis: redis.url, prefix: "same" });
  const client = new BoxUploadClient({ token: DEFAULT_TOKEN, baseUrl: server.baseUrl, apiBaseUrl: server.apiBaseUrl, pacer: fleet.pacer, asUser: "42" });
  const stop = new AbortController();
  const working = fleet.work(client, { transfers: 2, signal: stop.signal });
  try {
    const root = join(dir, "same");
    const big = bytesOf(4 * THRESHOLD, 7);
    await writeTree(root, { "small.txt": bytesOf(300, 5), "big.bin": big });
    const old = new Date("2001-02-03T04:05:06Z");
    for (const name of ["small.txt", "big.bin"]) await utimes(join(root, name), old, old);
    const dest = server.addFolder("same-dest");
    const held = server.addFile("big.bin", bytesOf(4 * THRESHOLD, 8), dest.id);
    const gone = server.addFile("gone.txt", bytesOf(10, 9), dest.id);

    const first = await fleet.sync(client, root, dest.id, { chunkedThreshold: THRESHOLD, deleteExtraneous: true, plan: "never" });
    expect(first).toMatchObject({ uploaded: 1, versioned: 1, deleted: 1, failed: 0, bytesPlanned: 0 });
    expect(server.state.trash.has(gone.id)).toBe(true);
    expect(requestsTo(server, "planSession")).toHaveLength(0);
    for (const name of ["small.txt", "big.bin"]) expect([...server.files.values()].find((f) => f.folderId === dest.id && f.name === name)!.contentModifiedAt).toBe("2001-02-03T04:05:06Z");

    // One part changed: with the plan (the default), the worker sends that part and counts the rest as planned.
    big[5] = big[5]! ^ 0xff;
    await writeFile(join(root, "big.bin"), big);
    const second = await fleet.sync(client, root, dest.id, { chunkedThreshold: THRESHOLD });
    expect(second).toMatchObject({ versioned: 1, skipped: 1, failed: 0, bytesPlanned: big.length - 256 * 1024, bytesSent: 256 * 1024 });
    expect(server.files.get(held.id)!.versions.at(-1)!.sha1).toBe((await localFilesByPath(root)).get("big.bin")!.sha1);

    const fromClient = server.received.filter((r) => r.route !== "oauthToken");
    expect(fromClient.length).toBeGreaterThan(10);
    for (const r of fromClient) expect(r.headers["as-user"]).toBe("42");
  } finally {
    stop.abort();
    await working;
    await client.close();
    await fleet.close();
    await server.stop();
  }
});

test("bad input is refused before anything connects; a dry run or a worker's own setting is not the producer's", async () => {
  expect(() => createFleet({ redis: "http://127.0.0.1:6379" })).toThrow(BoxInputError);
  expect(() => createFleet({ redis: "redis://127.0.0.1:6379/x" })).toThrow(/database number/);
  expect(() => createFleet({ redis: redis.url, rateLimits: { uploadsPerMinute: -1 } })).toThrow(BoxInputError);
  expect(() => createFleet({ redis: redis.url, stallTimeoutMs: 10 })).toThrow(BoxInputError);
  const fleet = createFleet({ redis: redis.url, prefix: "input" });
  const client = new BoxUploadClient({ token: "t", baseUrl: "http://127.0.0.1:9/api/2.0", pacer: fleet.pacer });
  try {
    for (const options of [{ dryRun: true }, { transfers: 4 }, { concurrency: 4 }]) {
      expect(await rejectionOf(fleet.sync(client, dir, "0", options as never))).toBeInstanceOf(BoxInputError);
    }
    expect(await rejectionOf(fleet.sync({} as never, dir, "0"))).toBeInstanceOf(BoxInputError);
    // A watcher feeding the workers: their files and parts in flight are theirs too, and the queue's limits are checked alike.
    for (const options of [{ transfers: 4 }, { concurrency: 4 }, { maxQueued: 0 }, { redisWaitMs: 10 }]) {
      expect(await rejectionOf(fleet.watch(client, dir, "0", options as never))).toBeInstanceOf(BoxInputError);
    }
    expect(await redis.client.keys("input:*")).toEqual([]);
  } finally {
    await client.close();
    await fleet.close();
  }
});

test("a program that never names a queue loads neither BullMQ nor ioredis", async () => {
  const loaded = await inPlainNode(
    `const client = new lib.BoxUploadClient({ token: "t" }); await client.close();
     return Object.keys(require.cache).filter((k) => /node_modules\\/(bullmq|ioredis)\\//.test(k)).length;`,
    {},
  );
  expect(loaded).toBe(0);
});

test("the CLI: --queue with --dry-run or --transfers, and a worker without a queue, are usage errors (exit 2)", async () => {
  const env = { BOX_ACCESS_TOKEN: "t", HOME: dir };
  const dry = await runCli(["sync", dir, "0", "--queue", redis.url, "--dry-run"], env).done;
  expect(dry.code).toBe(2);
  expect(dry.stderr).toMatch(/--dry-run does not go with a queue/);
  const transfers = await runCli(["sync", dir, "0", "--transfers", "4", "--json"], { ...env, BOX_SYNC_QUEUE: redis.url }).done;
  expect(transfers.code).toBe(2);
  expect(JSON.parse(transfers.stderr).error.message).toMatch(/--transfers does not go with a queue/);
  const noQueue = await runCli(["worker"], env).done;
  expect(noQueue.code).toBe(2);
  expect(noQueue.stderr).toMatch(/worker needs a queue/);
  const badUrl = await runCli(["worker", "--queue", "redis://:secret-pass@127.0.0.1:1/zz"], env).done;
  expect(badUrl.code).toBe(2);
  expect(badUrl.stderr).not.toContain("secret-pass");
});

test("the producer keeps the index: a rerun of an unchanged tree queues no job and reads no file", async () => {
  const server = new LocalBoxServer({ minFileSize: THRESHOLD, partSizeFor: () => 256 * 1024 });
  await server.start();
  const fleet = createFleet({ redis: redis.url, prefix: "indexed", rateLimits: "off" });
  const client = new BoxUploadClient({ token: DEFAULT_TOKEN, baseUrl: server.baseUrl, apiBaseUrl: server.apiBaseUrl, pacer: fleet.pacer });
  const stop = new AbortController();
  const worked: string[] = [];
  const working = fleet.work(client, { signal: stop.signal, onEvent: (e) => worked.push(e.path) });
  try {
    const root = join(dir, "indexed");
    const spec: Record<string, Uint8Array> = {};
    for (let i = 0; i < 30; i++) spec[`i${i % 3}/f${i}.txt`] = bytesOf(500 + i, 300 + i);
    await writeTree(root, spec);
    // Whole seconds an hour ago: no entry is racy, so the rerun trusts every one.
    const then = Math.floor(Date.now() / 1000) - 3600;
    for (const path of Object.keys(spec)) await utimes(join(root, ...path.split("/")), then, then);
    const dest = server.addFolder("indexed-dest");
    const stateDir = join(dir, "producer-state");
    const first = await fleet.sync(client, root, dest.id, { stateDir });
    expect(first).toMatchObject({ uploaded: 30, failed: 0 });
    expect(worked).toHaveLength(30);
    const second = await fleet.sync(client, root, dest.id, { stateDir });
    expect(second).toMatchObject({ skipped: 30, uploaded: 0, failed: 0, bytesRead: 0 });
    // No job went to a worker: the producer decided each file itself.
    expect(worked).toHaveLength(30);
  } finally {
    stop.abort();
    await working;
    await client.close();
    await fleet.close();
    await server.stop();
  }
});

test("a queued sync tracks renames as a local one does: the producer moves, the workers send only what is new", async () => {
  const server = new LocalBoxServer({ minFileSize: THRESHOLD, partSizeFor: () => 256 * 1024 });
  await server.start();
  const fleet = createFleet({ redis: redis.url, prefix: "renames", rateLimits: "off" });
  const client = new BoxUploadClient({ token: DEFAULT_TOKEN, baseUrl: server.baseUrl, apiBaseUrl: server.apiBaseUrl, pacer: fleet.pacer });
  const stop = new AbortController();
  const worked: string[] = [];
  const working = fleet.work(client, { signal: stop.signal, onEvent: (e) => worked.push(e.path) });
  try {
    const root = join(dir, "renamed");
    const spec: Record<string, Uint8Array> = {};
    for (let i = 0; i < 20; i++) spec[`reports/2025/r${i}.txt`] = bytesOf(300 + i, 500 + i);
    spec["notes.txt"] = bytesOf(700, 9);
    await writeTree(root, spec);
    // An hour ago, in whole seconds: the index trusts every entry of the first run.
    const then = Math.floor(Date.now() / 1000) - 3600;
    for (const path of Object.keys(spec)) await utimes(join(root, ...path.split("/")), then, then);
    const dest = server.addFolder("renamed-dest");
    const stateDir = join(dir, "renames-state");
    await fleet.sync(client, root, dest.id, { deleteExtraneous: true, stateDir });
    const ids = new Map([...server.filesByPath(dest.id)].map(([p, f]) => [p, f.id]));
    const { rename } = await import("node:fs/promises");
    await rename(join(root, "reports/2025"), join(root, "reports/archive-2025"));
    await rename(join(root, "notes.txt"), join(root, "notes-old.txt"));
    await writeFile(join(root, "fresh.txt"), "fresh");
    const jobsBefore = worked.length;
    const summary = await fleet.sync(client, root, dest.id, { deleteExtraneous: true, stateDir });
    expect(summary).toMatchObject({ moved: 2, uploaded: 1, deleted: 0, failed: 0 });
    // Only the new file went to a worker: the moves were the producer's, and the files inside the
    // moved folder its index still knew (their inodes and times did not change).
    expect(worked.slice(jobsBefore)).toEqual(["fresh.txt"]);
    const box = server.filesByPath(dest.id);
    expect(box.get("notes-old.txt")!.id).toBe(ids.get("notes.txt"));
    for (let i = 0; i < 20; i++) expect(box.get(`reports/archive-2025/r${i}.txt`)!.id).toBe(ids.get(`reports/2025/r${i}.txt`));
    expect(server.state.trash.size).toBe(0);
  } finally {
    stop.abort();
    await working;
    await client.close();
    await fleet.close();
    await server.stop();
  }
});
