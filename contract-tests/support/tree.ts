/** Local trees for sync tests and benches: write one from a spec, and read one back by path and SHA-1. */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { sha1 } from "./sha1";

/** `"a/b/file.bin": bytes` writes a file; `"a/empty/": null` makes an (empty) folder. */
export type TreeSpec = Record<string, Uint8Array | null>;

export async function writeTree(root: string, spec: TreeSpec): Promise<void> {
  for (const [path, content] of Object.entries(spec)) {
    const full = join(root, ...path.split("/"));
    if (content === null) await mkdir(full, { recursive: true });
    else {
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, content);
    }
  }
}

/** Regular files under `root` by `/`-separated relative path, with SHA-1 and size; symlinks are left out, as sync leaves them. */
export async function localFilesByPath(root: string): Promise<Map<string, { sha1: string; size: number }>> {
  const out = new Map<string, { sha1: string; size: number }>();
  const walk = async (dir: string, prefix: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(dir, e.name), `${prefix}${e.name}/`);
      else if (e.isFile()) {
        const data = await readFile(join(dir, e.name));
        out.set(`${prefix}${e.name}`, { sha1: sha1(data), size: data.length });
      }
    }
  };
  await walk(root, "");
  return out;
}
