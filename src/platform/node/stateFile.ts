/** Resume state in a file: written atomically (temp file, fsync, rename), mode 0600. */
import { open, readFile, rename, rm } from "node:fs/promises";
import { BoxInputError } from "../../core/errors";
import type { ResumeState, StateStore } from "../../upload/resume";

export class StateFile implements StateStore {
  /** Saves run one after another, so a slow fsync cannot interleave two writes. */
  private queue: Promise<void> = Promise.resolve();
  private writes = 0;

  constructor(readonly path: string) {
    if (typeof path !== "string" || path.length === 0) {
      throw new BoxInputError("options.resume.path", "must be a non-empty file path");
    }
  }

  async load(): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new BoxInputError("options.resume.path", `${this.path} is not a resume state file (invalid JSON)`);
    }
  }

  save(state: ResumeState): Promise<void> {
    const text = JSON.stringify({ ...state, updatedAt: new Date().toISOString() }, null, 1);
    const tmp = `${this.path}.${process.pid}.${++this.writes}.tmp`;
    const write = async () => {
      const handle = await open(tmp, "w", 0o600);
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.path);
    };
    const done = this.queue.then(write);
    this.queue = done.catch(() => undefined);
    return done;
  }

  async remove(): Promise<void> {
    await this.queue;
    await rm(this.path, { force: true });
  }
}
