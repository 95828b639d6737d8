/**
 * Resume state in Redis, so a chunked file a dead worker left half sent is continued by any other
 * worker, on any host, from where it stood. One key per file, named as the local state file is
 * (the Box folder and the file's path), and beside it a lock naming its owner.
 *
 * The lock expires unless its owner renews it (every third of its lifetime), so a worker killed
 * with -9 holds nothing for long. Who holds a lock is checked by every write: a save or a remove
 * goes through only while the lock still names this owner (one Lua script, atomic), and renews
 * it. That is the commit guard across hosts: a commit is sent only after its intent is saved
 * (upload/commit.ts), so a worker that lost its lock (stalled past its lifetime, then taken over)
 * fails that save and never commits; and a lost lock is never taken back, since whoever took it
 * may already have finished the file. Never holds a token: the state is what the local state
 * file holds.
 */
import type { Redis } from "ioredis";
import { BoxInputError, BoxNetworkError, BoxUploadError } from "../core/errors";
import { sleep } from "../core/sleep";
import type { ResumeState, StateStore } from "../upload/resume";
import type { RedisHealth } from "./health";
import { withScripts, type FleetKeys } from "./redis";

/** A resume state outlives its session by little: Box keeps an upload session 7 days. */
const STATE_TTL_MS = 7 * 24 * 3600 * 1000;

/** ARGV: owner, lock lifetime ms, state JSON, state lifetime ms. 1 written, 0 lock not ours. */
const SAVE = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
return 1`;
/** ARGV: owner. 1 removed, 0 lock not ours. */
const REMOVE = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
return 1`;
/** ARGV: owner, lifetime ms. 1 renewed, 0 lost. */
const RENEW = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])`;
/** ARGV: owner. Deletes the lock only if it is still ours. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface Scripts {
  stateSave(lock: string, key: string, owner: string, lockMs: number, json: string, stateMs: number): Promise<number>;
  stateRemove(lock: string, key: string, owner: string): Promise<number>;
  stateRenew(lock: string, owner: string, lockMs: number): Promise<number>;
  stateRelease(lock: string, owner: string): Promise<number>;
}

const SCRIPTS = {
  stateSave: { numberOfKeys: 2, lua: SAVE },
  stateRemove: { numberOfKeys: 2, lua: REMOVE },
  stateRenew: { numberOfKeys: 1, lua: RENEW },
  stateRelease: { numberOfKeys: 1, lua: RELEASE },
};

/** This worker's claim on a file's resume state is gone: another worker took the file over. */
export class StateLockLostError extends BoxUploadError {
  override readonly name = "StateLockLostError";
}

export interface RedisStateOptions {
  /** Names this worker in the lock (host, pid, random part). */
  owner: string;
  /** How long a lock lives without renewal: how long a dead worker's file waits to be taken over. */
  lockMs: number;
  /** Called once if the lock is found lost, so the upload can stop at once (the save would refuse anyway). */
  onLost?: (err: StateLockLostError) => void;
  /** Whether Redis answers: reads and writes that meet an outage wait for it (ended by `signal`) instead of failing. */
  health?: RedisHealth;
  /** The upload's signal: ends a wait for Redis. */
  signal?: AbortSignal;
}

export class RedisStateStore implements StateStore {
  readonly path: string;
  private readonly redis: Redis & Scripts;
  private readonly key: string;
  private readonly lockKey: string;
  /** Writes run one after another, as the file store's do. */
  private queue: Promise<unknown> = Promise.resolve();
  private held = false;
  private lost: StateLockLostError | undefined;
  private renewer: NodeJS.Timeout | undefined;

  constructor(
    redis: Redis,
    keys: FleetKeys,
    name: string,
    private readonly o: RedisStateOptions,
  ) {
    this.redis = withScripts<Scripts>(redis, SCRIPTS);
    this.key = keys.state(name);
    this.lockKey = keys.lock(name);
    this.path = `redis key ${this.key}`;
  }

  /**
   * Claims the lock, waiting up to one lock lifetime (and a little) for a holder to release it or
   * for a dead holder's lock to expire; a live holder keeps it renewed, and then this fails.
   */
  async acquire(): Promise<void> {
    const deadline = Date.now() + this.o.lockMs + 2_000;
    for (;;) {
      const ok = await this.ride("cannot claim it", () => this.redis.set(this.lockKey, this.o.owner, "PX", this.o.lockMs, "NX"));
      if (ok === "OK") break;
      if (Date.now() >= deadline) {
        const holder = await this.redis.get(this.lockKey).catch(() => undefined);
        throw new BoxInputError("options.resume.path", `${this.path} is in use by worker ${holder ?? "(gone)"}; wait for it to end`);
      }
      await sleep(250);
    }
    this.held = true;
    this.lost = undefined;
    this.renewer = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.o.lockMs / 3)));
    this.renewer.unref();
  }

  private async renew(): Promise<void> {
    if (!this.held || this.lost) return;
    // A Redis blip is not a loss: the next renewal (or the next save) decides.
    const ok = await this.redis.stateRenew(this.lockKey, this.o.owner, this.o.lockMs).catch(() => undefined);
    if (ok === 0) this.markLost();
  }

  private markLost(): StateLockLostError {
    if (!this.lost) {
      this.lost = new StateLockLostError(`${this.path}: the lock expired and another worker may have taken this file over; this worker stops it`);
      clearInterval(this.renewer);
      try {
        this.o.onLost?.(this.lost);
      } catch {
        /* a callback must not break the store */
      }
    }
    return this.lost;
  }

  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    clearInterval(this.renewer);
    await this.queue;
    if (!this.lost) await this.redis.stateRelease(this.lockKey, this.o.owner).catch(() => undefined);
  }

  async load(): Promise<unknown> {
    const text = await this.ride("cannot read it", () => this.redis.get(this.key));
    if (text === null) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new BoxInputError("options.resume.path", `${this.path} is not a resume state (invalid JSON)`);
    }
  }

  save(state: ResumeState): Promise<void> {
    const text = JSON.stringify({ ...state, updatedAt: new Date().toISOString() });
    return this.fenced(async () => {
      const ok = await this.ride("cannot write it", () => this.redis.stateSave(this.lockKey, this.key, this.o.owner, this.o.lockMs, text, STATE_TTL_MS));
      if (ok !== 1) throw this.markLost();
    });
  }

  remove(): Promise<void> {
    return this.fenced(async () => {
      const ok = await this.ride("cannot remove it", () => this.redis.stateRemove(this.lockKey, this.key, this.o.owner));
      if (ok !== 1) throw this.markLost();
    });
  }

  /** A write, in turn, only while the lock is ours. */
  private fenced(write: () => Promise<void>): Promise<void> {
    const run = async () => {
      if (this.lost) throw this.lost;
      if (!this.held) throw new BoxInputError("options.resume.path", `${this.path}: written without being claimed`);
      await write().catch((err: unknown) => {
        throw err instanceof BoxUploadError ? err : this.failure("cannot write it", err);
      });
    };
    const done = this.queue.then(run);
    this.queue = done.catch(() => undefined);
    return done;
  }

  /** One command; in an outage, tried again once Redis answers (with a health watcher), else a typed failure. */
  private ride<T>(what: string, step: () => Promise<T>): Promise<T> {
    const run = this.o.health ? this.o.health.riding(this.o.signal, `${this.path} (${what})`, step) : step();
    return run.catch((err: unknown) => {
      throw err instanceof BoxUploadError || (this.o.signal?.aborted && err === this.o.signal.reason) ? err : this.failure(what, err);
    });
  }

  private failure(what: string, err: unknown): BoxNetworkError {
    return new BoxNetworkError("EREDIS", `${this.path}: ${what} (${(err as Error)?.message ?? err})`, { cause: err });
  }
}
