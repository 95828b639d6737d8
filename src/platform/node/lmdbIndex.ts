/**
 * The sync's local index in Node: LMDB (lmdb-js), in `<stateDir>/index/`. Why LMDB: a kept embedded
 * store (memory-mapped B+tree, used by Parcel and Gatsby) whose writes are transactions that a
 * kill -9 never leaves half done (copy on write: a crash keeps the last committed state whole), that
 * stays fast at tens of millions of keys (reads are lookups in mapped pages, no copy, no server), and
 * that installs from a prebuilt package per platform, with no install script (better-sqlite3 builds
 * or downloads its binary in one, which npm here does not run; node:sqlite needs Node 22).
 * Measured: docs/measurements.md, "A nightly rerun". Private to the user: the folder 0700, its files
 * 0600. It holds identities, SHA-1s and Box ids, keyed by a hash of the Box folder and the path:
 * never a token, never a name.
 */
import { chmod, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { IndexEntry, SyncIndex } from "../../sync/ports";

interface Lmdb {
  get(key: string): unknown;
  put(key: string, value: unknown): Promise<boolean>;
  remove(key: string): Promise<boolean>;
  close(): Promise<void>;
}

const FIELDS = ["size", "mtimeNs", "ctimeNs", "ino", "dev", "sha1", "boxId", "recordedNs"] as const;

/** An entry as stored, checked: anything else (another version's, a damaged one) is as good as none. */
function entryOf(raw: unknown): IndexEntry | undefined {
  const e = raw as Record<string, unknown> | null | undefined;
  if (!e || typeof e !== "object") return undefined;
  for (const f of FIELDS) if (f === "size" ? typeof e[f] !== "number" : typeof e[f] !== "string") return undefined;
  return e as unknown as IndexEntry;
}

export async function openLmdbIndex(stateDir: string): Promise<SyncIndex> {
  const path = join(stateDir, "index");
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chmod(path, 0o700);
  // Loaded on first use only: a process that keeps no index never maps one.
  const { open } = require("lmdb") as { open(options: Record<string, unknown>): Lmdb };
  const db = open({ path, compression: false });
  for (const name of await readdir(path)) await chmod(join(path, name), 0o600);
  return {
    get: (key) => entryOf(db.get(key)),
    put: async (key, entry) => void (await db.put(key, { ...entry })),
    remove: async (key) => void (await db.remove(key)),
    close: () => db.close(),
  };
}
