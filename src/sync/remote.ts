/**
 * The Box side of one folder while the walk is in it: its items by name (Box compares names
 * without regard to case, so the key is case-folded and NFC-normalized), and making sure a
 * sub-folder exists (a create that loses a race uses the folder Box names in its 409).
 */
import type { CallOptions, FolderItem } from "../api/boxApi";
import { conflictsOf } from "../api/apiError";
import type { SyncApi } from "./ports";

export interface RemoteItem {
  type: "file" | "folder" | "web_link";
  id: string;
  name: string;
  size?: number;
  sha1?: string;
  etag?: string;
}

/** Only what deciding needs; the rest of each item is never held. */
export const ITEM_FIELDS = ["type", "id", "name", "size", "sha1", "etag"];

export const nameKey = (name: string): string => name.normalize("NFC").toLowerCase();

/** The folder a `/`-separated relative path is in ("" for the root). */
export const parentOf = (path: string): string => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "");

export function remoteItem(item: FolderItem): RemoteItem {
  const i = item as Partial<RemoteItem>;
  return {
    type: i.type as RemoteItem["type"],
    id: String(i.id),
    name: String(i.name),
    ...(typeof i.size === "number" ? { size: i.size } : {}),
    ...(typeof i.sha1 === "string" ? { sha1: i.sha1 } : {}),
    ...(typeof i.etag === "string" ? { etag: i.etag } : {}),
  };
}

export async function folderIndex(api: Pick<SyncApi, "folderItems">, folderId: string, call: CallOptions): Promise<Map<string, RemoteItem>> {
  const index = new Map<string, RemoteItem>();
  for await (const item of api.folderItems(folderId, ITEM_FIELDS, call)) {
    if (item && typeof item.name === "string") index.set(nameKey(item.name), remoteItem(item));
  }
  return index;
}

/** The item a 409 names as the one holding the name, if any. */
export function conflictItem(err: unknown): RemoteItem | undefined {
  const first = conflictsOf(err)[0] as Partial<RemoteItem> | undefined;
  if (!first || typeof first !== "object" || typeof first.id !== "string" || typeof first.type !== "string") return undefined;
  return remoteItem(first as FolderItem);
}

/** The id of folder `name` in `parentId`: created, or the one that already holds the name. */
export async function ensureFolder(api: SyncApi, parentId: string, name: string, call: CallOptions): Promise<{ id: string; created: boolean }> {
  try {
    return { id: (await api.createFolder(parentId, name, call)).id, created: true };
  } catch (err) {
    const existing = conflictItem(err);
    if (existing?.type === "folder") return { id: existing.id, created: false };
    throw err;
  }
}
