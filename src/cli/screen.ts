/**
 * The one owner of the terminal while a command runs: a few live lines redrawn in place at the
 * bottom, and messages (warnings, retries, failures) printed above them, so nothing ever lands in
 * the middle of a bar. Live lines are cut to the terminal's width and messages wrapped at spaces
 * to it, so the terminal never wraps anything and the redraw (cursor
 * up N lines, clear, draw) always covers what it drew; the terminal's own modes (wrapping, cursor)
 * are never changed, so a process that dies leaves nothing to restore. After `stop()` the last
 * frame stays on screen and nothing moves the cursor again: what is printed next (the result, an
 * error, the words after Ctrl-C) starts on a fresh line of its own.
 */

export interface Screen {
  /** Replaces the live lines; redrawn at once when `now`, else at most every 100 ms. */
  live(lines: string[], now?: boolean): void;
  /** A line that stays, printed above the live lines. */
  say(line: string): void;
  /** Draws the last frame (or clears it with `keep` false) and lets go of the terminal. */
  stop(keep?: boolean): void;
}

import { wrap } from "./output";
import { cut } from "./width";

/** Minimum time between two redraws: more often only costs CPU and flicker. */
const REDRAW_MS = 100;

/** A screen on `out`: live lines redrawn in place on a terminal, ignored otherwise (then `say` is all there is). */
export function createScreen(out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, tty = out.isTTY === true): Screen {
  if (!tty) {
    return { live: () => undefined, say: (line) => void out.write(`${line}\n`), stop: () => undefined };
  }
  let drawn = 0;
  let lines: string[] = [];
  let lastDraw = 0;
  let stopped = false;
  // One column spare: a line that fills the width exactly makes some terminals wrap the cursor.
  const width = () => Math.max(10, (out.columns ?? 80) - 1);
  const fit = (text: string) => cut(text, width());
  /** Back to the first live line and clear from there (also what a terminal echoed below it, such as ^C). */
  const rewind = () => (drawn ? `\r\x1b[${drawn}F\x1b[J` : "\r\x1b[J");
  const draw = () => {
    out.write(`${rewind()}${lines.map((l) => `${fit(l)}\n`).join("")}`);
    drawn = lines.length;
    lastDraw = Date.now();
  };
  return {
    live(next, now = false) {
      if (stopped) return;
      lines = next;
      if (now || Date.now() - lastDraw >= REDRAW_MS) draw();
    },
    say(line) {
      // A message is never cut: a long one wraps at spaces, so it reads whole at any width.
      const text = wrap(line, width()).join("\n");
      if (stopped) return void out.write(`${text}\n`);
      out.write(`${rewind()}${text}\n`);
      drawn = 0;
      draw();
    },
    stop(keep = true) {
      if (stopped) return;
      if (keep) draw();
      else out.write(rewind());
      stopped = true;
    },
  };
}
