/**
 * The index of what was synced, as a run uses it: opened at first need (in the state folder; a
 * run without one, or whose index cannot be opened, hashes every file), a file's key, what a
 * settled file is recorded as, and entries carried to their new paths when a folder moved.
 */
import type { FileOutcome, SyncSettings } from "./options";
import type { SyncDeps, SyncIndex } from "./ports";
import { entryFor, reliable } from "./quickCheck";
import { fileKey } from "./transfer";
import type { FileJob } from "./walk";

export class RunIndex {
  private opened: Promise<SyncIndex | undefined> | undefined;

  constructor(
    private readonly deps: Pick<SyncDeps, "local" | "platform" | "describe">,
    private readonly settings: SyncSettings,
    /** Told, once, why the index cannot be used. */
    private readonly notice: (message: string) => void,
  ) {}

  /** The index, opened at first need; undefined without one. */
  open(): Promise<SyncIndex | undefined> {
    const { stateDir } = this.settings;
    const open = this.deps.local.openIndex;
    this.opened ??= stateDir && open ? open(stateDir).catch((err: unknown) => {
      // No index is a slower run, never a wrong one: every file is hashed, as without one.
      this.notice(`the index in ${stateDir} cannot be used (${this.deps.describe(err)}); every file is hashed`);
      return undefined;
    }) : Promise.resolve(undefined);
    return this.opened;
  }

  /** The key of a file of `rootId`. */
  key(rootId: string, path: string): string {
    return fileKey(this.deps.platform.sha1, rootId, path);
  }

  /** Records what a file is now (its identity, the SHA-1 Box holds, the Box file), after it settled; never in a dry run. */
  async remember(rootId: string, file: FileJob, outcome: FileOutcome): Promise<void> {
    if (this.settings.dryRun || outcome.action === "fail" || outcome.action === "defer") return;
    if (!outcome.sha1 || !outcome.id || !reliable(file.identity) || (outcome.action === "skip" && outcome.compared === "index")) return;
    const index = await this.open();
    await index?.put(this.key(rootId, file.path), entryFor(file.identity, outcome.sha1, outcome.id)).catch(() => undefined);
  }

  /**
   * What the index knew of files under their old paths, under their new ones (a folder renamed
   * keeps its files' inodes and times: the sync inside then skips them without reading them).
   */
  async rekey(rootId: string, files: { from: string; to: string }[]): Promise<void> {
    const index = await this.open();
    if (!index) return;
    for (const { from, to } of files) {
      const entry = index.get(this.key(rootId, from));
      if (!entry) continue;
      await index.put(this.key(rootId, to), entry).catch(() => undefined);
      await index.remove(this.key(rootId, from)).catch(() => undefined);
    }
  }

  /** Closes the index if it was opened. */
  async close(): Promise<void> {
    await (await this.opened)?.close().catch(() => undefined);
  }
}
