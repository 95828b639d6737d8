/**
 * The file system's own change notices for a watched tree, through @parcel/watcher: native
 * backends (inotify on Linux, FSEvents on macOS, ReadDirectoryChangesW on Windows), installed from
 * a prebuilt package per platform (no install script), and one subscription per tree rather than
 * one handle per folder. Chosen over chokidar, which keeps a handle and a stat per entry in the
 * process (memory that grows with the tree) and whose `awaitWriteFinish` is known to fire mid-copy
 * on large files: deciding when a file is whole is ours (src/watch/pending.ts). Also what a path
 * looks like now (lstat, never following a symlink).
 */
import { lstat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { BoxInputError } from "../../core/errors";
import type { FsWatching, Look } from "../../watch/ports";

/** The error a tree too big for the system's watch limit gets: what to raise, by name. */
export function watchLimit(err: unknown): BoxInputError | undefined {
  const message = String((err as Error)?.message ?? err);
  if (!/inotify|ENOSPC|No space left|too many open files|EMFILE/i.test(message)) return undefined;
  return new BoxInputError(
    "localDir",
    `the system's limit on watched folders was reached (${message.slice(0, 120)}); on Linux raise fs.inotify.max_user_watches (and fs.inotify.max_user_instances), e.g. sysctl -w fs.inotify.max_user_watches=524288`,
  );
}

export const nodeFsWatching: FsWatching = {
  async subscribe(root, onChange, onError) {
    const { subscribe } = require("@parcel/watcher") as typeof import("@parcel/watcher");
    const toPath = (absolute: string) => relative(root, absolute).split(sep).join("/");
    try {
      const subscription = await subscribe(root, (err, events) => {
        if (err) return onError(watchLimit(err) ?? err);
        onChange(events.map((e) => toPath(e.path)).filter((p) => p !== "" && !p.startsWith("..")));
      });
      return { close: () => subscription.unsubscribe() };
    } catch (err) {
      throw watchLimit(err) ?? err;
    }
  },
  async look(root, path): Promise<Look> {
    try {
      const st = await lstat(join(root, ...path.split("/")), { bigint: true });
      if (st.isFile()) return { kind: "file", size: Number(st.size), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs) };
      return st.isDirectory() ? { kind: "dir" } : { kind: "other" };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return { kind: "gone" };
      throw err;
    }
  },
};
