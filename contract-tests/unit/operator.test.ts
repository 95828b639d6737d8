/**
 * The operator's flags and lines, on their own: what --metrics-addr accepts, and the report's line
 * for every kind of event (a folder made and a notice are not files decided).
 */
import { metricsAddrFlag } from "../../src/cli/metrics";
import { reportLine } from "../../src/cli/report";

test.each([
  ["127.0.0.1:9464", { host: "127.0.0.1", port: 9464 }],
  [":9464", { host: undefined, port: 9464 }],
  ["[::1]:0", { host: "::1", port: 0 }],
  ["metrics.internal:80", { host: "metrics.internal", port: 80 }],
])("--metrics-addr %s", (flag, addr) => {
  expect(metricsAddrFlag(flag)).toEqual(addr);
});

test.each(["9464", "host", "host:", "host:65536", "::1:9464", "[::1]", "a b:1"])("--metrics-addr %s is refused", (flag) => {
  expect(() => metricsAddrFlag(flag)).toThrow(/HOST:PORT/);
});

const at = new Date("2026-12-06T02:00:00.000Z");

test("the report's line per event, and nothing for what is not a file decided", () => {
  const line = (e: Parameters<typeof reportLine>[0], dry = false) => {
    const text = reportLine(e, dry, at);
    return text === undefined ? undefined : JSON.parse(text);
  };
  expect(line({ type: "file", path: "a.txt", action: "upload", size: 3, bytesSent: 3, seconds: 0.5, id: "1", versionId: "2", sha1: "ab" })).toEqual({
    time: "2026-12-06T02:00:00.000Z",
    path: "a.txt",
    action: "uploaded",
    id: "1",
    version_id: "2",
    sha1: "ab",
    size: 3,
    bytes_sent: 3,
    seconds: 0.5,
  });
  expect(line({ type: "file", path: "a.txt", action: "upload", size: 3 }, true)).toMatchObject({ action: "would-upload" });
  expect(line({ type: "file", path: "a.txt", action: "skip", size: 3, message: "same" }, true)).toMatchObject({ action: "skipped", message: "same" });
  expect(line({ type: "file", path: "a.txt", action: "version", size: 3 })).toMatchObject({ action: "versioned" });
  expect(line({ type: "file", path: "a.txt", action: "defer", size: 3 })).toMatchObject({ action: "deferred" });
  expect(line({ type: "failed", path: "b.txt", size: 1, message: "BoxApiError: 403", seconds: 0 })).toEqual({ time: at.toISOString(), path: "b.txt", action: "failed", size: 1, seconds: 0, error: "BoxApiError: 403" });
  expect(line({ type: "moved", path: "new/", from: "old/", action: "move", id: "9" })).toMatchObject({ action: "moved", from: "old/", id: "9" });
  expect(line({ type: "moved", path: "new/", from: "old/", action: "move", id: "9" }, true)).toMatchObject({ action: "would-move" });
  expect(line({ type: "deleted", path: "x/", action: "delete", items: 4, id: "8" })).toMatchObject({ action: "deleted", items: 4, id: "8" });
  expect(line({ type: "deleted", path: "x/", action: "delete", items: 4, id: "8" }, true)).toMatchObject({ action: "would-delete" });
  expect(line({ type: "folder", path: "d", action: "create-folder" })).toBeUndefined();
  expect(line({ type: "notice", path: "link", message: "a symlink" })).toBeUndefined();
});
