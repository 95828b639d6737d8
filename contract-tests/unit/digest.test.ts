import { randomBytes } from "node:crypto";
import { digestHeader, sha1Hex, WholeFileSha1 } from "../../src/core/digest";
import { nodeSha1 } from "../../src/platform/node/sha1";
import { sha1 } from "../support/sha1";
import { parseDigestHeader } from "../support/wire";

describe("digest", () => {
  test("SHA-1 of 'abc' is the FIPS 180 test vector, as hex and as a Digest header", () => {
    const hex = sha1Hex(nodeSha1, Buffer.from("abc"));
    expect(hex).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
    expect(digestHeader(hex)).toBe("sha=qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
    expect(parseDigestHeader("sha=qZk+NkcGgWq6PiVxeFDCbJzQ2J0=")).toBe(hex);
  });

  test("parseDigestHeader refuses other algorithms and malformed values", () => {
    for (const h of [undefined, "", "md5=abc", "sha=abc", "sha-256=qZk+NkcGgWq6PiVxeFDCbJzQ2J0="]) {
      expect(parseDigestHeader(h)).toBeUndefined();
    }
  });

  test("whole-file hash fed part by part equals the hash of the whole buffer", () => {
    const data = randomBytes(1_000_003);
    const whole = new WholeFileSha1(nodeSha1);
    for (let o = 0; o < data.length; o += 65_536) whole.update(o, data.subarray(o, o + 65_536));
    expect(whole.hex()).toBe(sha1(data));
  });

  test("whole-file hash refuses parts out of order instead of hashing a different file", () => {
    const whole = new WholeFileSha1(nodeSha1);
    expect(() => whole.update(10, Buffer.alloc(1))).toThrow(/out of order/);
  });
});
