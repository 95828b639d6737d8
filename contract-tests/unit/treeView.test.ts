import { createScreen } from "../../src/cli/screen";
import { createTreeView, eventLine, treeLines } from "../../src/cli/treeView";

describe("sync's terminal view", () => {
  const base = { filesSeen: 120, walkDone: true, filesDone: 40, bytesToSend: 300e6, bytesSent: 100e6, inFlight: [] as { path: string; size: number; bytesSent: number }[] };

  test("the first line gives files done/total, bytes, speed and ETA; each fits in 80 columns", () => {
    const lines = treeLines({ ...base, inFlight: [{ path: "a/very/" + "deep/".repeat(30) + "file.bin", size: 1000, bytesSent: 500 }] }, 10_000);
    expect(treeLines(base, 2_000)[0]).toMatch(/ eta -$/); // no time left before three seconds of rate
    expect(lines[0]).toBe("files 40/120  sent 100.0/300.0 MB  10.0 MB/s  eta 20s");
    expect(lines[1]).toMatch(/^ {2} 50% ….*deep\/file\.bin$/);
    for (const l of lines) expect(l.length).toBeLessThan(80);
  });

  test("while the walk goes on the total is open and there is no ETA; at most four files are listed", () => {
    const inFlight = Array.from({ length: 6 }, (_, i) => ({ path: `f${i}`, size: 10, bytesSent: 1 }));
    const lines = treeLines({ ...base, walkDone: false, inFlight }, 1_000);
    expect(lines[0]).toMatch(/^files 40\/120\+ .* eta -$/);
    expect(lines).toHaveLength(6);
    expect(lines[5]).toBe("  … and 2 more");
  });

  test("record lines: a server-chosen name cannot move the cursor", () => {
    expect(eventLine({ type: "file", path: "a/b.txt", action: "upload", size: 3 })).toBe("uploaded a/b.txt (3 bytes)");
    expect(eventLine({ type: "file", path: "x", action: "skip", size: 1, message: "differs" })).toBe("skipped  x (1 bytes): differs");
    expect(eventLine({ type: "failed", path: "bad\x1b[2Jname", message: "BoxApiError: 403" })).toBe("failed   bad\\u001b[2Jname: BoxApiError: 403");
    expect(eventLine({ type: "notice", path: "link", message: "symlink skipped" })).toBe("left out link: symlink skipped");
    expect(eventLine({ type: "folder", path: "new", action: "create-folder" })).toBe("folder   new/");
  });

  test("a dry run says what it would do, never that it did", () => {
    expect(eventLine({ type: "file", path: "d/f1.txt", action: "upload", size: 101 }, true)).toBe("would upload d/f1.txt (101 bytes)");
    expect(eventLine({ type: "file", path: "v", action: "version", size: 2 }, true)).toBe("would version v (2 bytes)");
    expect(eventLine({ type: "folder", path: "d", action: "create-folder" }, true)).toBe("would create folder d/");
  });

  test("on a terminal, once stopped the view never moves the cursor back over what is printed after it (a fatal error)", () => {
    let screen = "";
    const view = createTreeView("tty", createScreen({ write: (t: string) => ((screen += t), true) } as unknown as NodeJS.WritableStream, true));
    view.progress({ ...base, inFlight: [{ path: "a", size: 2, bytesSent: 1 }] });
    expect(screen).toContain("files 40/120");
    view.stop();
    const before = screen.length;
    screen += "box-upload: BoxApiError: not found\n"; // what the CLI prints next
    view.event({ type: "failed", path: "late", message: "x" });
    view.progress(base);
    view.stop();
    // Nothing after the error line moves the cursor up or clears the screen.
    expect(screen.slice(before)).not.toMatch(/\x1b\[\d*[FJ]/);
  });
});
