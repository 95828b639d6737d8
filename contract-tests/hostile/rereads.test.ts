/**
 * A part read a second time (Box lost it before the commit, or a plan's miss) is read under the
 * upload's abort like every first read: a source that stalls there cannot hold an abort.
 */
import { UploadAbortedError } from "../../src";
import { within } from "../support/checks/timing";
import { FAST_RETRY, FILE_ID, PART, clientFor, count, data, hostileBox } from "../support/hostile";
import { closeAll } from "../support/process/cleanup";
import { sha1 } from "../support/sha1";

jest.setTimeout(20_000);
afterEach(closeAll);

/** A Blob whose bytes at `offset` read once; every later read of them never ends. */
class StallsOnSecondRead extends Blob {
  reads = 0;
  constructor(
    bytes: Buffer,
    private readonly offset: number,
  ) {
    super([new Uint8Array(bytes)]);
  }
  override slice(start?: number, end?: number, type?: string): Blob {
    if (start === this.offset && ++this.reads > 1) {
      return { stream: () => new ReadableStream<Uint8Array>({ pull: () => new Promise<void>(() => undefined) }) } as unknown as Blob;
    }
    return super.slice(start, end, type);
  }
}

test("Box lost a part at commit and its re-read stalls: the caller's abort ends the upload at once", async () => {
  let lost = false;
  const box = await hostileBox({
    before: (ctx) => {
      if (ctx.route === "commit" && !lost) {
        lost = true;
        box.sessions.get(ctx.sessionId!)!.parts.delete(PART); // Box forgot the second part
      }
      return undefined;
    },
  });
  const source = new StallsOnSecondRead(data(3 * PART), PART);
  const controller = new AbortController();
  const upload = clientFor(box.baseUrl).uploadNewVersion(FILE_ID, source, { signal: controller.signal, retry: FAST_RETRY });
  // Abort once the re-read has begun (and stalled).
  const aborted = (async () => {
    while (source.reads < 2) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    controller.abort(new Error("user gave up"));
  })();
  const outcome = await within(
    upload.then(
      () => "resolved",
      (err: unknown) => err,
    ),
    2_000,
  );
  await aborted;
  expect(source.reads).toBe(2);
  expect(outcome).toBeInstanceOf(UploadAbortedError);
  // Only the commit that found the part missing: nothing was committed after the abort.
  expect(count(box, "commit")).toBe(1);
  expect(box.files.get(FILE_ID)!.versions.map((v) => v.sha1)).toEqual([sha1(Buffer.alloc(0))]);
});
