import { durationFlag } from "../../src/cli/flags";
import type { IndexEntry, LocalIdentity } from "../../src/sync/ports";
import { entryFor, RACY_NS, unchanged } from "../../src/sync/quickCheck";
import { RunWindow } from "../../src/sync/window";

const NOW_NS = BigInt(Date.now()) * 1_000_000n;
const identity: LocalIdentity = { size: 10, mtimeNs: String(NOW_NS - 60_000_000_000n), ctimeNs: String(NOW_NS - 60_000_000_000n), ino: "77", dev: "2049" };
const remote = { type: "file" as const, id: "5", name: "a", size: 10, sha1: "a".repeat(40) };
const entry: IndexEntry = { ...identity, sha1: "a".repeat(40), boxId: "5", recordedNs: String(NOW_NS) };

describe("the quick check", () => {
  test("the same identity, and Box's item still what it became: unchanged", () => {
    expect(unchanged(entry, identity, remote)).toBe(true);
  });

  test.each([
    ["another size", { size: 11 }],
    ["another mtime", { mtimeNs: String(NOW_NS - 59_000_000_000n) }],
    ["another ctime (rewritten, old mtime put back)", { ctimeNs: String(NOW_NS - 1_000_000n) }],
    ["another inode (replaced)", { ino: "78" }],
    ["another device", { dev: "2050" }],
  ])("%s: hashed", (_what, change) => {
    expect(unchanged(entry, { ...identity, ...change }, remote)).toBe(false);
  });

  test("Box's item changed (SHA-1, id, size) or not listed with a SHA-1: hashed", () => {
    expect(unchanged(entry, identity, { ...remote, sha1: "b".repeat(40) })).toBe(false);
    expect(unchanged(entry, identity, { ...remote, id: "6" })).toBe(false);
    expect(unchanged(entry, identity, { ...remote, size: 12 })).toBe(false);
    const { sha1: _, ...noSha1 } = remote;
    expect(unchanged(entry, identity, noSha1)).toBe(false);
  });

  test("a platform with no inode or no ctime: never a quick check", () => {
    expect(unchanged({ ...entry, ino: "0" }, { ...identity, ino: "0" }, remote)).toBe(false);
    expect(unchanged({ ...entry, ctimeNs: "0" }, { ...identity, ctimeNs: "0" }, remote)).toBe(false);
  });

  test("racy: an entry recorded within the timestamp granularity of the file's mtime is hashed again", () => {
    const racy = { ...entry, recordedNs: String(BigInt(identity.mtimeNs) + RACY_NS - 1n) };
    expect(unchanged(racy, identity, remote)).toBe(false);
    expect(unchanged({ ...racy, recordedNs: String(BigInt(identity.mtimeNs) + RACY_NS + 1n) }, identity, remote)).toBe(true);
    // A fresh entry for a file written just now is racy by construction.
    const now = entryFor({ ...identity, mtimeNs: String(NOW_NS) }, remote.sha1, remote.id);
    expect(unchanged(now, { ...identity, mtimeNs: String(NOW_NS) }, remote)).toBe(false);
  });
});

describe("the run's window", () => {
  test("max-transfer: a file that would pass the budget is refused, what a file did not send is given back", () => {
    const closed: string[] = [];
    const w = new RunWindow({ maxTransferBytes: 100, maxDurationMs: undefined, cutoff: "soft" }, (why) => closed.push(why));
    expect(w.admit(60)).toBe(true);
    expect(w.admit(50)).toBe(false);
    expect(closed).toEqual(["max-transfer"]);
    expect(w.admit(40)).toBe(true);
    w.spent(60, 10); // a planned version sent only 10 of its 60
    expect(w.admit(50)).toBe(true);
    expect(w.closed).toBe(false);
    w.dispose();
  });

  test("max-duration: closed once the time is up, and told whether to stop files in flight", async () => {
    const told: [string, boolean][] = [];
    const w = new RunWindow({ maxTransferBytes: undefined, maxDurationMs: 30, cutoff: "hard" }, (why, stop) => told.push([why, stop]));
    expect(w.closed).toBe(false);
    await new Promise((r) => setTimeout(r, 60));
    expect(w.closed).toBe(true);
    expect(w.admit(1)).toBe(false);
    expect(told).toEqual([["max-duration", true]]);
    w.dispose();
  });
});

test("durations as rclone writes them", () => {
  expect(durationFlag("90s")).toBe(90_000);
  expect(durationFlag("1h30m")).toBe(5_400_000);
  expect(durationFlag("500ms")).toBe(500);
  expect(durationFlag("2d")).toBe(172_800_000);
  expect(durationFlag("45")).toBe(45_000);
  for (const bad of ["", "5x", "h", "1h30", "-1s"]) expect(() => durationFlag(bad)).toThrow(/duration/);
});
