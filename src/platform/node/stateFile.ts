/**
 * Resume state in a file: written atomically (a temp file of a random name, created exclusively
 * so a planted file or symlink is never followed, fsync, rename), mode 0600. A lock file beside
 * it (`<path>.lock`, holding the owner's pid) keeps two processes from driving one session: two
 * runs that both commit would make two versions. A run killed inside a save or a claim leaves a
 * temp file behind; the next owner of the lock sweeps those (see `sweep`).
 */
import { randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { link, open, readFile, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { BoxInputError } from "../../core/errors";
import type { ResumeState, StateStore } from "../../upload/resume";

const TEMP_NAME = /^\.[0-9a-f-]{36}\.tmp$/;
/** A lock temp file with no pid in it yet is left alone this long: its writer may be mid-write. */
const EMPTY_LOCK_TEMP_MS = 60_000;
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

  /**
   * Claims `<path>.lock`. The pid is written to a temp file first and hard-linked into place, so
   * the lock appears whole or not at all (a rival never reads it half-written). A lock whose owner
   * is dead is moved aside, and taken over only if what was moved aside is still that dead owner's.
   */
  async acquire(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await this.tryLink()) return this.sweep();
      const owner = await this.ownerOf(this.lockPath);
      if (owner === undefined) continue; // released meanwhile: try again
      if (owner > 0 && alive(owner)) {
        throw new BoxInputError("options.resume.path", `${this.path} is in use by process ${owner}; wait for it to end`);
      }
      // The owner died (kill -9, power loss): its lock is stale.
      const aside = `${this.lockPath}.${randomUUID()}.stale`;
      try {
        await rename(this.lockPath, aside);
      } catch {
        continue; // someone else moved it first: look again
      }
      const moved = await this.ownerOf(aside);
      if (moved !== owner) {
        // We moved a rival's fresh lock: put it back (if nothing took its place) and yield to it.
        await link(aside, this.lockPath).catch(() => undefined);
        await rm(aside, { force: true });
        throw new BoxInputError("options.resume.path", `${this.path} is in use by process ${moved}; wait for it to end`);
      }
      await rm(aside, { force: true });
    }
    throw new BoxInputError("options.resume.path", `${this.path}: another process claimed it at the same moment`);
  }

  /**
   * Removes what a killed run left beside the state: state temp files (only the lock's owner
   * saves, and that is us now, so every one is a dead writer's) and lock temp files whose pid is
   * dead. A rival's lock temp file is its claim in progress and stays.
   */
  private async sweep(): Promise<void> {
    const folder = dirname(this.path);
    const stem = basename(this.path);
    const names = await readdir(folder).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.startsWith(stem)) continue;
      const rest = name.slice(stem.length);
      const path = join(folder, name);
      if (TEMP_NAME.test(rest)) {
        await rm(path, { force: true }).catch(() => undefined);
      } else if (rest.startsWith(".lock") && TEMP_NAME.test(rest.slice(5)) && (await this.abandoned(path))) {
        await rm(path, { force: true }).catch(() => undefined);
      }
    }
  }

  private async abandoned(lockTemp: string): Promise<boolean> {
    const owner = await this.ownerOf(lockTemp);
    if (owner === undefined) return false;
    if (owner > 0) return !alive(owner);
    const age = await stat(lockTemp).then((s) => Date.now() - s.mtimeMs, () => 0);
    return age > EMPTY_LOCK_TEMP_MS;
  }

  /** Links a complete lock file into place; false when one is already there. */
  private async tryLink(): Promise<boolean> {
    const tmp = `${this.lockPath}.${randomUUID()}.tmp`;
    try {
      const handle = await open(tmp, CREATE_NEW, 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") throw new BoxInputError("options.resume.path", `${this.path}: its folder does not exist`);
      throw new BoxInputError("options.resume.path", `${this.path}: cannot create a lock beside it (${code ?? "error"})`);
    }
    try {
      await link(tmp, this.lockPath);
      this.locked = true;
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") throw new BoxInputError("options.resume.path", `${this.path}: cannot create ${this.lockPath} (${code ?? "error"})`);
      return false;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** The pid a lock file names (-1 when it names none); undefined when it cannot be read (gone). */
  private async ownerOf(path: string): Promise<number | undefined> {
    const text = await readFile(path, "utf8").catch(() => undefined);
    if (text === undefined) return undefined;
    const pid = Number(text.trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : -1;
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
