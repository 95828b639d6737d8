/**
 * Resume state in IndexedDB, so an upload continues after the page is reloaded or the browser
 * restarts. One record per key (the browser client derives it from the file's identity). Saves
 * run one after another and are written with strict durability: the record that says a commit
 * was sent must be on disk before the commit goes out, the same rule as Node's fsync. A Web Lock
 * per key keeps two tabs from driving one session (two commits would make two versions).
 */
import { BoxInputError } from "../../core/errors";
import type { ResumeState, StateStore } from "../../upload/resume";

const DB_NAME = "box-chunked-upload";
const STORE = "resume-state";

let opening: Promise<IDBDatabase> | undefined;

function database(): Promise<IDBDatabase> {
  if (typeof indexedDB === "undefined") return Promise.reject(new BoxInputError("options.resume", "needs IndexedDB, which this runtime does not have"));
  opening ??= new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new BoxInputError("options.resume", `IndexedDB could not be opened: ${req.error?.message ?? "unknown error"}`));
  });
  opening.catch(() => (opening = undefined));
  return opening;
}

/** Runs one request in its own transaction; resolves when the transaction is complete. */
async function run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await database();
  return new Promise<T>((resolve, reject) => {
    const tx = db.transaction(STORE, mode, { durability: "strict" });
    const req = work(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req.result);
    tx.onerror = tx.onabort = () => reject(tx.error ?? req.error ?? new Error("IndexedDB transaction failed"));
  });
}

/** Keys held in this page, where the runtime has no Web Locks (then other tabs are not covered). */
const heldHere = new Set<string>();

interface LockManagerLike {
  request(name: string, options: { ifAvailable: boolean }, callback: (lock: unknown) => Promise<void> | void): Promise<unknown>;
}

export class IndexedDbStateStore implements StateStore {
  private queue: Promise<void> = Promise.resolve();
  private unlock: (() => void) | undefined;

  /** `path` is the record's key (the name every StateStore goes by). */
  constructor(readonly path: string) {
    if (typeof path !== "string" || path.length === 0) throw new BoxInputError("options.resume.key", "must be a non-empty string");
  }

  async acquire(): Promise<void> {
    await database();
    const locks = (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks;
    const busy = () => new BoxInputError("options.resume", `the upload stored as "${this.path}" is running in another tab or call; wait for it to end`);
    if (!locks) {
      if (heldHere.has(this.path)) throw busy();
      heldHere.add(this.path);
      this.unlock = () => heldHere.delete(this.path);
      return;
    }
    await new Promise<void>((resolve, reject) => {
      locks
        .request(`${DB_NAME}:${this.path}`, { ifAvailable: true }, (lock) => {
          if (!lock) return reject(busy());
          resolve();
          // The lock is held until this promise settles, i.e. until release().
          return new Promise<void>((done) => (this.unlock = done));
        })
        .catch(reject);
    });
  }

  async release(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.unlock?.();
    this.unlock = undefined;
  }

  load(): Promise<unknown> {
    return run("readonly", (s) => s.get(this.path) as IDBRequest<unknown>);
  }

  save(state: ResumeState): Promise<void> {
    // A structured clone of the record as it is now: the run keeps changing its object.
    const snapshot = JSON.parse(JSON.stringify(state)) as ResumeState;
    const next = this.queue.then(() => run("readwrite", (s) => s.put(snapshot, this.path)).then(() => undefined));
    this.queue = next.catch(() => undefined);
    return next;
  }

  remove(): Promise<void> {
    const next = this.queue.then(() => run("readwrite", (s) => s.delete(this.path)).then(() => undefined));
    this.queue = next.catch(() => undefined);
    return next;
  }
}
