/**
 * Wrong input to the public upload API: each case gets a clear typed error, and none of them
 * sends a request (where the fault is knowable up front) or leaves a session open.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { BoxInputError, SourceError, UploadAbortedError, type UploadOptions } from "../../src";
import { PART, startHarness, type Harness } from "../support/harness";
import { bytesOf } from "../support/random";
import { rejectionOf } from "../support/checks/rejection";
import { openSessionCount, requestsTo } from "../support/serverLog";

let h: Harness;
let dir: string;
let fileId: string;
let path: string;

beforeAll(async () => {
  h = await startHarness();
  dir = await mkdtemp(join(tmpdir(), "bad-input-"));
  path = join(dir, "ok.bin");
  await writeFile(path, bytesOf(3 * PART));
  fileId = h.server.addFile("target.bin").id;
});
afterAll(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});

let mark = 0;
beforeEach(() => (mark = h.server.log.length));
afterEach(() => {
  expect(openSessionCount(h.server)).toBe(0);
  expect(h.server.files.get(fileId)!.versions).toHaveLength(1);
});

async function rejectsBeforeSending(promise: Promise<unknown>, type: new (...a: never[]) => Error, argument?: RegExp) {
  const err = await rejectionOf(promise, type);
  if (argument) expect((err as BoxInputError).argument).toMatch(argument);
  expect(h.server.log.length).toBe(mark);
}

const notNumbers = ["8", null, true, {}, [], 10n];
const badCounts = [0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 53 + 2];

describe("arguments", () => {
  test.each([undefined, null, 42, "", "abc", "12 ", "1.5", "-3", "1/2"])("fileId %p", (id) =>
    rejectsBeforeSending(h.client.uploadNewVersion(id as string, path), BoxInputError, /fileId/));
  test.each([undefined, 0, "", "x", "../0"])("folderId %p", (id) =>
    rejectsBeforeSending(h.client.uploadNewFile(id as string, "n.bin", path), BoxInputError, /folderId/));
  test.each([undefined, 7, "", "a/b", "a\\b", "..", "x".repeat(256)])("new file name %p", (name) =>
    rejectsBeforeSending(h.client.uploadNewFile("0", name as string, path), BoxInputError, /fileName/));
  test.each([undefined, null, 42, {}, [], Symbol("s"), ""])("source %p", (source) =>
    rejectsBeforeSending(h.client.uploadNewVersion(fileId, source as never), BoxInputError, /source/));
  test("a path that does not exist, or is a directory", async () => {
    await rejectsBeforeSending(h.client.uploadNewVersion(fileId, join(dir, "missing.bin")), BoxInputError, /source/);
    await rejectsBeforeSending(h.client.uploadNewVersion(fileId, dir), BoxInputError, /source/);
  });
});

describe("options", () => {
  const cases: [string, UploadOptions | unknown, RegExp][] = [
    ["options not an object", "fast", /^options$/],
    ["options an array", [], /^options$/],
    // 0 is a size: empty files go up by direct upload.
    ...[...notNumbers, ...badCounts.filter((v) => v !== 0)].map((v): [string, unknown, RegExp] => [`size ${String(v)}`, { size: v }, /options\.size/]),
    ...[0, 1000, 65, -1, 1.5, NaN, "4", null].map((v): [string, unknown, RegExp] => [`concurrency ${String(v)}`, { concurrency: v }, /options\.concurrency/]),
    ["fileName with a slash", { fileName: "a/b" }, /options\.fileName/],
    ["fileName empty", { fileName: "" }, /options\.fileName/],
    ["ifMatch empty", { ifMatch: "" }, /options\.ifMatch/],
    ["ifMatch a number", { ifMatch: 3 }, /options\.ifMatch/],
    ["onProgress not a function", { onProgress: "log" }, /options\.onProgress/],
    ["signal not an AbortSignal", { signal: { aborted: false } }, /options\.signal/],
    ["retry.maxAttempts 0", { retry: { maxAttempts: 0 } }, /maxAttempts/],
    ["retry.baseDelayMs negative", { retry: { baseDelayMs: -5 } }, /baseDelayMs/],
    ["retry.deadlineMs NaN", { retry: { deadlineMs: NaN } }, /deadlineMs/],
    ["retry.random not a function", { retry: { random: 4 } }, /random/],
    ["retry not an object", { retry: 3 }, /retry/],
    ["commitWaitMs negative", { commitWaitMs: -1 }, /commitWaitMs/],
    ["resume not an object", { resume: "state.json" }, /options\.resume/],
    ["resume path empty", { resume: { path: "" } }, /options\.resume\.path/],
  ];
  test.each(cases)("%s", (_label, options, argument) =>
    rejectsBeforeSending(h.client.uploadNewVersion(fileId, path, options as UploadOptions), BoxInputError, argument));

  test("fileName and ifMatch are refused for new files (the name is an argument there)", async () => {
    await rejectsBeforeSending(h.client.uploadNewFile("0", "n.bin", path, { fileName: "x" }), BoxInputError, /options\.fileName/);
    await rejectsBeforeSending(h.client.uploadNewFile("0", "n.bin", path, { ifMatch: "1" }), BoxInputError, /options\.ifMatch/);
  });

  test("a declared size that differs from the file, buffer or blob", async () => {
    for (const source of [path, bytesOf(3 * PART), new Blob([new Uint8Array(3 * PART)])]) {
      await rejectsBeforeSending(h.client.uploadNewVersion(fileId, source, { size: 3 * PART + 1 }), BoxInputError, /options\.size/);
      await rejectsBeforeSending(h.client.uploadNewVersion(fileId, source, { size: 3 * PART - 1 }), BoxInputError, /options\.size/);
    }
  });

  test("a stream without a size", () =>
    rejectsBeforeSending(h.client.uploadNewVersion(fileId, Readable.from([Buffer.alloc(10)])), BoxInputError, /options\.size/));

  test("an already aborted signal", () =>
    rejectsBeforeSending(h.client.uploadNewVersion(fileId, path, { signal: AbortSignal.abort() }), UploadAbortedError));
});

describe("sources that break their promise mid-way (found only while reading: the session is aborted)", () => {
  async function failsAndCleansUp(source: Readable, size: number, message: RegExp) {
    const err = await rejectionOf(h.client.uploadNewVersion(fileId, source, { size, concurrency: 2 }), SourceError);
    expect(err.message).toMatch(message);
    expect(requestsTo(h.server, "commit", mark)).toHaveLength(0);
    expect(requestsTo(h.server, "abortSession", mark)).toHaveLength(1);
  }

  test("a stream shorter than declared", () => failsAndCleansUp(Readable.from([bytesOf(2 * PART)]), 3 * PART, /ended early/));
  test("a stream longer than declared", () => failsAndCleansUp(Readable.from([bytesOf(3 * PART + 1)]), 3 * PART, /more than the declared/));
  test("a stream that errors mid-way", () => {
    const broken = new Readable({
      read() {
        this.push(bytesOf(PART + 10));
        this.destroy(new Error("disk on fire"));
      },
    });
    return failsAndCleansUp(broken, 3 * PART, /disk on fire/);
  });
  test.each(["Readable", "ReadableStream"])("a %s that stalls: abort still ends the upload at once and aborts the session", async (kind) => {
    const first = bytesOf(PART + 10);
    const stalled =
      kind === "Readable"
        ? Readable.from((async function* () {
            yield first;
            await new Promise(() => {}); // then never another byte, and never an end
          })())
        : new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new Uint8Array(first)) }); // never closes
    const controller = new AbortController();
    const pending = h.client.uploadNewVersion(fileId, stalled, {
      size: 3 * PART,
      signal: controller.signal,
      onProgress: (p) => p.partsUploaded === 1 && setTimeout(() => controller.abort(new Error("stuck")), 50),
    });
    const started = Date.now();
    await expect(pending).rejects.toBeInstanceOf(UploadAbortedError);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(requestsTo(h.server, "abortSession", mark)).toHaveLength(1);
  });

  test("a stream of strings instead of bytes", () => failsAndCleansUp(Readable.from(["text"], { objectMode: true }), 3 * PART, /must yield bytes/));
});
