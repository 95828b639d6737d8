/**
 * The walk: depth first, one local folder at a time, yielding a job per file to sync as the
 * workers ask for them. Held at once: the Box items of the folder being walked (names, ids, sizes,
 * SHA-1s), the sub-folders of the folders on the way down, and the jobs in flight; never the tree.
 * Box folders are made as the walk reaches them, so a file's folder exists before its job does.
 */
import { retrying } from "../core/retry";
import { checkFileName } from "../core/validate";
import { globs } from "./globs";
import type { Mirror } from "./mirror";
import type { SyncSettings } from "./options";
import type { LocalTree, SyncApi } from "./ports";
import { ensureFolder, folderIndex, nameKey, type RemoteItem } from "./remote";
import type { Tally } from "./tally";

export interface FileJob {
  /** Relative to the root, `/`-separated. */
  path: string;
  name: string;
  /** The Box folder it goes into; undefined in a dry run when that folder does not exist yet. */
  folderId: string | undefined;
  size: number;
  mtimeMs: number;
  /** What Box holds under this name in that folder, if anything. */
  remote: RemoteItem | undefined;
}

interface PendingFolder {
  path: string;
  folderId: string | undefined;
}

export interface WalkContext {
  api: SyncApi;
  tree: LocalTree;
  rootId: string;
  settings: SyncSettings;
  tally: Tally;
  /** The run's signal (the caller's, or a fatal failure's). */
  signal: AbortSignal;
  describe: (err: unknown) => string;
  /** With `deleteExtraneous`: told each folder listed whole on both sides. */
  mirror: Mirror | undefined;
}

export async function* walk(ctx: WalkContext): AsyncGenerator<FileJob> {
  const { api, tree, settings, tally } = ctx;
  const rules = globs(settings.include, settings.exclude);
  const retried = retrying(settings.run.retry, ctx.signal);
  const stack: PendingFolder[] = [{ path: "", folderId: ctx.rootId }];

  while (stack.length) {
    const dir = stack.pop()!;
    let remote: Map<string, RemoteItem>;
    try {
      remote = dir.folderId === undefined ? new Map() : await retried((signal) => folderIndex(api, dir.folderId!, { signal }));
    } catch (err) {
      // The root folder itself: nothing can be synced. An abort is the run's end, not this folder's failure.
      if (dir.path === "" || ctx.signal.aborted) throw err;
      tally.failed(dir.path, ctx.describe(err));
      continue;
    }
    const taken = new Set<string>();
    // Every local name, whatever became of its entry: a mirror never deletes a Box item that has one.
    const present = new Set<string>();
    const subfolders: { path: string; name: string; remote: RemoteItem | undefined }[] = [];
    try {
      for await (const entry of tree.entries(dir.path)) {
        const path = dir.path ? `${dir.path}/${entry.name}` : entry.name;
        present.add(nameKey(entry.name));
        if (entry.kind === "unreadable") {
          if (!rules.leftOut(path, "file")) tally.failed(path, `cannot read it: ${entry.error ?? "unknown error"}`);
          continue;
        }
        if (entry.kind === "symlink" || entry.kind === "other") {
          tally.notice(path, entry.kind === "symlink" ? "symlink skipped (never followed)" : "not a regular file or folder; skipped");
          continue;
        }
        if (rules.leftOut(path, entry.kind === "dir" ? "folder" : "file")) continue;
        if (entry.kind === "file") tally.seen();
        try {
          checkFileName("name", entry.name);
        } catch (err) {
          if (entry.kind === "file") tally.begin(path, entry.size); // a file seen is a file done, failed or not
          tally.failed(path, `Box cannot hold this name: ${ctx.describe(err)}`);
          continue;
        }
        const key = nameKey(entry.name);
        if (taken.has(key)) {
          if (entry.kind === "file") tally.begin(path, entry.size);
          tally.failed(path, "another local entry in this folder has the same name for Box (names differ only in case or Unicode form)");
          continue;
        }
        taken.add(key);
        const item = remote.get(key);
        if (entry.kind === "dir") subfolders.push({ path, name: entry.name, remote: item });
        else yield { path, name: entry.name, folderId: dir.folderId, size: entry.size, mtimeMs: entry.mtimeMs, remote: item };
      }
    } catch (err) {
      if (dir.path === "" || ctx.signal.aborted) throw err;
      tally.failed(dir.path, `cannot read this folder: ${ctx.describe(err)}`);
      continue;
    }
    // Both listings are whole: what Box holds here and the tree does not may go (after the walk).
    if (ctx.mirror && dir.folderId !== undefined) await ctx.mirror.consider(dir.path, remote, present, ctx.signal);
    remote.clear();
    // Reversed so the first sub-folder read is the first walked.
    for (const sub of subfolders.reverse()) {
      const next = await enterFolder(ctx, sub, dir.folderId, retried);
      if (next) stack.push(next);
    }
  }
  tally.walked();
}

async function enterFolder(
  ctx: WalkContext,
  sub: { path: string; name: string; remote: RemoteItem | undefined },
  parentId: string | undefined,
  retried: ReturnType<typeof retrying>,
): Promise<PendingFolder | undefined> {
  if (sub.remote && sub.remote.type !== "folder") {
    ctx.tally.failed(sub.path, `Box holds a ${sub.remote.type.replace("_", " ")} named "${sub.remote.name}" where this folder goes; its contents are left out`);
    return undefined;
  }
  if (sub.remote) return { path: sub.path, folderId: sub.remote.id };
  if (ctx.settings.dryRun || parentId === undefined) {
    ctx.tally.folderCreated(sub.path);
    return { path: sub.path, folderId: undefined };
  }
  try {
    const made = await retried((signal) => ensureFolder(ctx.api, parentId, sub.name, { signal }));
    if (made.created) ctx.tally.folderCreated(sub.path);
    return { path: sub.path, folderId: made.id };
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    ctx.tally.failed(sub.path, `cannot create this folder in Box: ${ctx.describe(err)}`);
    return undefined;
  }
}
