/** A folder on disk as the sync's local tree: read with opendir (lazily, entry by entry), symlinks never followed. */
import type { BigIntStats } from "node:fs";
import { lstat, mkdir, opendir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { BoxInputError } from "../../core/errors";
import type { LocalEntry, LocalIdentity, LocalTree, SyncPlatform } from "../../sync/ports";
import { openLmdbIndex } from "./lmdbIndex";

/** A file's identity for the quick check, exact: nanosecond times, inode and device as decimal text. */
function identityOf(st: BigIntStats): LocalIdentity {
  return { size: Number(st.size), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs), ino: String(st.ino), dev: String(st.dev) };
}

class DiskTree implements LocalTree {
  constructor(private readonly root: string) {}

  filePath(relPath: string): string {
    return join(this.root, ...relPath.split("/"));
  }

  async *entries(relDir: string): AsyncIterable<LocalEntry> {
    const base = relDir ? this.filePath(relDir) : this.root;
    const dir = await opendir(base, { bufferSize: 64 });
    for await (const d of dir) {
      if (d.isSymbolicLink()) yield { name: d.name, kind: "symlink", size: 0, mtimeMs: 0 };
      else if (d.isDirectory()) yield { name: d.name, kind: "dir", size: 0, mtimeMs: 0 };
      else if (d.isFile()) {
        // lstat, not stat: a file swapped for a symlink since the listing is still not followed.
        // Told by which side settled, not instanceof Error (fs errors are of Node's realm, not a vm's).
        const { st, err } = await lstat(join(base, d.name), { bigint: true }).then(
          (st) => ({ st, err: undefined }),
          (err: NodeJS.ErrnoException) => ({ st: undefined, err }),
        );
        // Listed but not readable (a folder without search permission): said, never dropped, since a
        // mirror deletes what has no local entry.
        if (!st) yield { name: d.name, kind: "unreadable", size: 0, mtimeMs: 0, error: err?.code ?? err?.message ?? "unknown error" };
        else if (st.isFile()) yield { name: d.name, kind: "file", size: Number(st.size), mtimeMs: Number(st.mtimeMs), identity: identityOf(st) };
        else if (st.isSymbolicLink()) yield { name: d.name, kind: "symlink", size: 0, mtimeMs: 0 };
        else if (st.isDirectory()) yield { name: d.name, kind: "dir", size: 0, mtimeMs: 0 };
        else yield { name: d.name, kind: "other", size: 0, mtimeMs: 0 };
      } else yield { name: d.name, kind: "other", size: 0, mtimeMs: 0 };
    }
  }
}

export const nodeSyncPlatform: SyncPlatform = {
  async openTree(root) {
    if (typeof root !== "string" || root.length === 0) throw new BoxInputError("localDir", "must be a non-empty path");
    const abs = resolve(root);
    // Not `instanceof Error`: fs errors come from Node's own realm, which is not a vm's (jest's).
    const { st, err } = await stat(abs).then(
      (st) => ({ st, err: undefined }),
      (err: NodeJS.ErrnoException) => ({ st: undefined, err }),
    );
    if (!st) throw new BoxInputError("localDir", err?.code === "ENOENT" ? `${root} does not exist` : `cannot read ${root}: ${err?.code ?? err?.message}`);
    if (!st.isDirectory()) throw new BoxInputError("localDir", `${root} is not a folder`);
    return new DiskTree(abs);
  },
  async statePath(stateDir, name) {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    return join(stateDir, `${name}.json`);
  },
  openIndex: openLmdbIndex,
};
