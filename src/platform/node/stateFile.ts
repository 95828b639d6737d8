/**
 * Resume state in a file: written atomically (a temp file of a random name, created exclusively
 * so a planted file or symlink is never followed, fsync, rename), mode 0600. A lock file beside
 * it (`<path>.lock`, holding the owner's pid) keeps two processes from driving one session: two
 * runs that both commit would make two versions.
 */
import { randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { open, readFile, rename, rm } from "node:fs/promises";
import { BoxInputError } from "../../core/errors";
import type { ResumeState, StateStore } from "../../upload/resume";

const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class StateFile implements StateStore {
  /** Saves run one after another, so a slow fsync cannot interleave two writes. */
  private queue: Promise<void> = Promise.resolve();
  private locked = false;

  constructor(readonly path: string) {
    if (typeof path !== "string" || path.length === 0) {
      throw new BoxInputError("options.resume.path", "must be a non-empty file path");
    }
  }

  private get lockPath(): string {
    return `${this.path}.lock`;
  }

  async acquire(): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(this.lockPath, CREATE_NEW, 0o600);
        await handle.writeFile(String(process.pid));
        await handle.close();
        this.locked = true;
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") throw new BoxInputError("options.resume.path", `${this.path}: its folder does not exist`);
        if (code !== "EEXIST") throw new BoxInputError("options.resume.path", `${this.path}: cannot create ${this.lockPath} (${code ?? err})`);
      }
      const owner = Number((await readFile(this.lockPath, "utf8").catch(() => "")).trim());
      if (Number.isSafeInteger(owner) && owner > 0 && alive(owner)) {
        throw new BoxInputError("options.resume.path", `${this.path} is in use by process ${owner}; wait for it to end`);
      }
      // The owner died (kill -9, power loss): its lock is stale.
      await rm(this.lockPath, { force: true });
    }
    throw new BoxInputError("options.resume.path", `${this.path}: another process claimed it at the same moment`);
  }

  async release(): Promise<void> {
    if (!this.locked) return;
    this.locked = false;
    await this.queue;
    await rm(this.lockPath, { force: true }).catch(() => undefined);
  }

  async load(): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new BoxInputError("options.resume.path", `${this.path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new BoxInputError("options.resume.path", `${this.path} is not a resume state file (invalid JSON)`);
    }
  }

  save(state: ResumeState): Promise<void> {
    const text = JSON.stringify({ ...state, updatedAt: new Date().toISOString() }, null, 1);
    const write = async () => {
      const tmp = `${this.path}.${randomUUID()}.tmp`;
      const handle = await open(tmp, CREATE_NEW, 0o600);
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.path).catch(async (err: unknown) => {
        await rm(tmp, { force: true });
        throw err;
      });
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
