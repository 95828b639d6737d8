/** Terminal columns: wide characters count two, so a live line or a wrapped message never wraps on its own. */
import { wrap } from "../../src/cli/output";
import { cut, displayWidth } from "../../src/cli/width";

test("columns, not characters", () => {
  expect(displayWidth("abc")).toBe(3);
  expect(displayWidth("日本語")).toBe(6);
  expect(displayWidth("e\u0301")).toBe(1);
  expect(cut("日本語のファイル.bin", 10)).toBe("日本語の…");
  expect(displayWidth(cut("日本語のファイル.bin", 10))).toBeLessThanOrEqual(10);
  expect(cut("short", 10)).toBe("short");
});

test("wrap keeps every line within the width, in columns", () => {
  const lines = wrap("box-upload: failed 日本語のとても長いファイル名のファイル.bin could not be read because it does not exist", 30);
  for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(30);
  expect(lines.join(" ").replace(/\s+/g, " ")).toContain("could not be read");
});
