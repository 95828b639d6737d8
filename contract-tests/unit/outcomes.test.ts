/**
 * A file's failed outcome says, as a flag and not only in its text, when the fault was the file's
 * own (it changed while it was read, or could not be read): a watcher takes such a file up again
 * once it settles, and the flag crosses Redis in a worker's answer to the producer.
 */
import { BoxNetworkError, SourceChangedError, SourceError } from "../../src/core/errors";
import { readOutcome } from "../../src/fleet/jobs";
import { failed } from "../../src/sync/options";

const describe_ = (err: unknown) => `${(err as Error).name}: ${(err as Error).message}`;

test("failed: a SourceError or SourceChangedError is a source fault; anything else is not", () => {
  expect(failed(10, new SourceChangedError("part at offset 0 is not what it was"), describe_)).toEqual({
    action: "fail",
    size: 10,
    error: "SourceChangedError: part at offset 0 is not what it was",
    sourceFault: true,
  });
  expect(failed(10, new SourceError("/tmp/a changed during the upload"), describe_)).toMatchObject({ sourceFault: true });
  for (const err of [new BoxNetworkError("ECONNRESET", "socket hang up"), new Error("SourceError: only the text says so")]) {
    expect(failed(10, err, describe_)).not.toHaveProperty("sourceFault");
  }
});

test("readOutcome: a worker's flag reaches the producer; a flag of another shape is not read as one", () => {
  const fault = { action: "fail", size: 5, error: "SourceError: changed", sourceFault: true };
  expect(readOutcome(JSON.parse(JSON.stringify(fault)))).toEqual(fault);
  expect(readOutcome({ action: "fail", size: 5, error: "BoxApiError: 500" })).not.toHaveProperty("sourceFault");
  const odd = readOutcome({ action: "fail", size: 5, error: "SourceError: changed", sourceFault: "yes" });
  expect(odd).not.toHaveProperty("sourceFault");
  expect(odd).toMatchObject({ action: "fail", error: expect.stringContaining("cannot read") });
});
