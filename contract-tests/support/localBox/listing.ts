/** What the local Box server holds, read back the way tests compare it: a folder's items, its subtree, its files by path. */
import { DEFAULT_ORDER, sortItems } from "./representation";
import type { BoxState } from "./state";

/** A folder's child as `list()` reports it: a file with its current content's SHA-1 and size. */
export type ListedItem =
  | { type: "folder"; id: string; name: string }
  | { type: "file"; id: string; name: string; sha1: string; size: number; versions: number };

/** A folder's whole subtree as `tree()` reports it, children in listing order. */
export type TreeNode =
  | { type: "folder"; id: string; name: string; children: TreeNode[] }
  | { type: "file"; id: string; name: string; sha1: string; size: number; versions: number };

/** A folder's direct children, in listing order (folders, then files, by name). Throws 404 when unknown. */
export function listFolder(state: BoxState, folderId: string): ListedItem[] {
  return sortItems(state, state.children(folderId), DEFAULT_ORDER).map((item): ListedItem => {
    if (item.type === "folder") return { type: "folder", id: item.folder.id, name: item.folder.name };
    const f = item.file;
    const v = f.versions[f.versions.length - 1]!;
    return { type: "file", id: f.id, name: f.name, sha1: v.sha1, size: v.size, versions: f.versions.length };
  });
}

/** A folder's whole subtree, in listing order. */
export function treeOf(state: BoxState, folderId: string): TreeNode[] {
  return listFolder(state, folderId).map((item): TreeNode => (item.type === "folder" ? { ...item, children: treeOf(state, item.id) } : item));
}

/** The files under a folder by path relative to it ("a/b/file.txt"), with their current versions' SHA-1 and size. */
export function filesByPath(state: BoxState, folderId: string): Map<string, { id: string; sha1: string; size: number }> {
  const out = new Map<string, { id: string; sha1: string; size: number }>();
  const walk = (nodes: TreeNode[], prefix: string) => {
    for (const n of nodes) {
      if (n.type === "folder") walk(n.children, `${prefix}${n.name}/`);
      else out.set(`${prefix}${n.name}`, { id: n.id, sha1: n.sha1, size: n.size });
    }
  };
  walk(treeOf(state, folderId), "");
  return out;
}
