import { contentRange, planParts } from "../../src/core/partPlan";
import { parseContentRange } from "../support/wire";
import { BoxProtocolError } from "../../src/core/errors";

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** The properties every plan must have, checked without allocating a byte of the file. */
function expectTiles(fileSize: number, partSize: number): void {
  const parts = planParts(fileSize, partSize);
  expect(parts[0]!.offset).toBe(0);
  for (let i = 1; i < parts.length; i++) {
    expect(parts[i]!.offset).toBe(parts[i - 1]!.offset + parts[i - 1]!.size);
    expect(parts[i - 1]!.size).toBe(partSize);
  }
  const last = parts[parts.length - 1]!;
  expect(last.offset + last.size).toBe(fileSize);
  expect(last.size).toBeGreaterThan(0);
  expect(last.size).toBeLessThanOrEqual(partSize);
  expect(contentRange(last, fileSize)).toBe(`bytes ${last.offset}-${fileSize - 1}/${fileSize}`);
}

describe("planParts", () => {
  test.each([
    ["one part", 1000, 8 * MiB],
    ["exact multiple", 24 * MiB, 8 * MiB],
    ["one byte over", 24 * MiB + 1, 8 * MiB],
    ["2^31 - 1", 2 ** 31 - 1, 8 * MiB],
    ["2^31", 2 ** 31, 8 * MiB],
    ["2^31 + 1", 2 ** 31 + 1, 8 * MiB],
    ["4 GiB - 1", 4 * GiB - 1, 8 * MiB],
    ["4 GiB", 4 * GiB, 8 * MiB],
    ["4 GiB + 1", 4 * GiB + 1, 8 * MiB],
    ["50 GiB + 3 with 64 MiB parts", 50 * GiB + 3, 64 * MiB],
  ])("%s tiles the file exactly", (_name, size, partSize) => expectTiles(size, partSize));

  test("4 GiB + 1: the last part is the single byte at 2^32, with an exact Content-Range", () => {
    const parts = planParts(4 * GiB + 1, 8 * MiB, 513);
    expect(parts).toHaveLength(513);
    expect(parts[512]).toEqual({ index: 512, offset: 2 ** 32, size: 1 });
    expect(contentRange(parts[512]!, 4 * GiB + 1)).toBe("bytes 4294967296-4294967296/4294967297");
    expect(contentRange(parts[511]!, 4 * GiB + 1)).toBe("bytes 4286578688-4294967295/4294967297");
  });

  test("4 GiB - 1: the last part ends at 2^32 - 2, one short of a full part", () => {
    const parts = planParts(4 * GiB - 1, 8 * MiB, 512);
    expect(parts[511]).toEqual({ index: 511, offset: 4 * GiB - 8 * MiB, size: 8 * MiB - 1 });
    expect(contentRange(parts[511]!, 4 * GiB - 1)).toBe("bytes 4286578688-4294967294/4294967295");
  });

  test("part crossing 2^31 keeps exact numbers (no 32-bit overflow)", () => {
    const parts = planParts(2 ** 31 + 5 * MiB, 8 * MiB);
    const crossing = parts[256]!;
    expect(contentRange(crossing, 2 ** 31 + 5 * MiB)).toBe("bytes 2147483648-2152726527/2152726528");
  });

  test("a total_parts that does not fit the sizes is a protocol error, not a guess", () => {
    expect(() => planParts(24 * MiB, 8 * MiB, 4)).toThrow(BoxProtocolError);
    expect(() => planParts(24 * MiB, 0)).toThrow(BoxProtocolError);
    expect(() => planParts(24 * MiB, 1.5)).toThrow(BoxProtocolError);
  });

  test("sizes that are not positive safe integers are refused", () => {
    for (const bad of [0, -1, 1.5, NaN, Infinity, 2 ** 53]) expect(() => planParts(bad, 8 * MiB)).toThrow(RangeError);
  });
});

describe("parseContentRange", () => {
  test("round-trips contentRange past 2^32", () => {
    const part = { offset: 4 * GiB, size: 8 * MiB };
    expect(parseContentRange(contentRange(part, 5 * GiB))).toEqual({ ...part, total: 5 * GiB });
  });

  test.each(["bytes 0-9/5", "bytes 5-4/10", "bytes */10", "bits 0-1/2", "bytes 0-1/", "bytes -1-2/3", ""])(
    "refuses %p",
    (header) => expect(parseContentRange(header)).toBeUndefined(),
  );
});
