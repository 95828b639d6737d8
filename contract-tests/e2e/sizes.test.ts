/**
 * Any size, one call: 0 B to 60 MB as new files and as new versions, from the library and from the
 * CLI, through the validating proxy, against a local server with Box's own rules (chunked sessions
 * only from 20,000,000 bytes, 8 MiB parts). Below the threshold the upload is one direct request;
 * at and above it, a chunked session. Every result is checked by SHA-1 on the server's side too.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHUNKED_MIN_SIZE } from "../../src";
import { startHarness, type Harness } from "../support/harness";
import { DEFAULT_TOKEN, defaultPartSize } from "../support/localBox/server";
import { bytesOf } from "../support/random";
import { sha1 } from "../support/sha1";
import { requestsTo } from "../support/serverLog";
import { runCli } from "../support/process/cli";

const MB = 1_000_000;
const SIZES = [0, 1, 1 * MB, CHUNKED_MIN_SIZE - 1, CHUNKED_MIN_SIZE, 60 * MB];

let h: Harness;
let dir: string;
const data = new Map<number, Buffer>();

beforeAll(async () => {
  h = await startHarness({ minFileSize: CHUNKED_MIN_SIZE, partSizeFor: defaultPartSize }, { uploadDefaults: {} });
  dir = await mkdtemp(join(tmpdir(), "sizes-"));
  for (const size of SIZES) {
    data.set(size, bytesOf(size, size + 7));
    await writeFile(join(dir, `f${size}.bin`), data.get(size)!);
  }
}, 60_000);
afterAll(async () => {
  await h?.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  expect(h.proxy.violations).toEqual([]);
});

function stored(fileId: string) {
  const file = h.server.files.get(fileId)!;
  return file.versions[file.versions.length - 1]!;
}

describe.each(SIZES)("%d bytes", (size) => {
  const chunked = size >= CHUNKED_MIN_SIZE;

  test(`library: new file, then a new version (${chunked ? "chunked" : "direct"})`, async () => {
    const bytes = data.get(size)!;
    const sessionsBefore = requestsTo(h.server, "createSessionNewFile").length;
    const file = await h.client.uploadNewFile("0", `lib-${size}.bin`, bytes);
    expect(file.sha1).toBe(sha1(bytes));
    expect(stored(file.id!).sha1).toBe(sha1(bytes));
    expect(stored(file.id!).size).toBe(size);
    expect(requestsTo(h.server, "createSessionNewFile").length - sessionsBefore).toBe(chunked ? 1 : 0);

    const next = bytesOf(size, size + 99);
    const version = await h.client.uploadNewVersion(file.id!, next);
    expect(version.id).toBe(file.id);
    expect(version.sha1).toBe(sha1(next));
    expect(h.server.files.get(file.id!)!.versions.map((v) => v.sha1)).toEqual([sha1(bytes), sha1(next)]);
  }, 120_000);

  test("CLI: new file, then a new version of it from disk", async () => {
    const path = join(dir, `f${size}.bin`);
    const env = { BOX_ACCESS_TOKEN: DEFAULT_TOKEN };
    const base = ["--base-url", h.client.baseUrl, "--api-base-url", h.client.apiBaseUrl, "--json"];
    const created = await runCli(["new", "0", path, "--name", `cli-${size}.bin`, ...base], env).done;
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const { file } = JSON.parse(created.stdout);
    expect(file.sha1).toBe(sha1(data.get(size)!));
    expect(stored(file.id).sha1).toBe(sha1(data.get(size)!));

    const again = await runCli(["version", file.id, path, ...base], env).done;
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).file.sha1).toBe(sha1(data.get(size)!));
    expect(h.server.files.get(file.id)!.versions).toHaveLength(2);
  }, 120_000);
});
