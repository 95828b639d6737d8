/** A folder on disk as the sync's local tree: read with opendir (lazily, entry by entry), symlinks never followed. */
import { lstat, mkdir, opendir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { BoxInputError } from "../../core/errors";
import type { LocalEntry, LocalTree, SyncPlatform } from "../../sync/ports";

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
        const st = await lstat(join(base, d.name)).catch(() => undefined);
        if (st?.isFile()) yield { name: d.name, kind: "file", size: st.size, mtimeMs: st.mtimeMs };
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
};
