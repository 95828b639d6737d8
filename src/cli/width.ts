/**
 * How many terminal columns text takes: East Asian wide characters and emoji take two, combining
 * marks and zero-width characters none. Enough to keep a path in Japanese from wrapping a live line
 * (the redraw counts lines, so a wrapped one would leave a stale copy behind).
 */
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;
const ZERO = /[\u0300-\u036f\u200b-\u200f\u20d0-\u20ff\ufe00-\ufe0f]/u;

const columnsOf = (ch: string) => (ZERO.test(ch) ? 0 : WIDE.test(ch) ? 2 : 1);

export function displayWidth(text: string): number {
  let n = 0;
  for (const ch of text) n += columnsOf(ch);
  return n;
}

/** The longest start of `text` that fits `width` columns. */
export function fitColumns(text: string, width: number): string {
  let n = 0;
  let out = "";
  for (const ch of text) {
    n += columnsOf(ch);
    if (n > width) break;
    out += ch;
  }
  return out;
}

/** `text` in at most `width` columns: cut with an ellipsis when longer. */
export function cut(text: string, width: number): string {
  return displayWidth(text) <= width ? text : `${fitColumns(text, width - 1)}…`;
}
