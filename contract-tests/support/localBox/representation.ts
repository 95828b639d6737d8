/**
 * How a stored file or folder is answered: Box's standard field set, or (when the request names
 * `fields`) the mini fields plus exactly the named ones. Unknown field names are ignored, as on
 * Box. Folder listings answer mini objects unless `fields` names more.
 */
import type { components } from "../../../generated/box-chunked-uploads";
import type { BoxState, StoredFile, StoredFolder, StoredItem } from "./state";

type Schemas = components["schemas"];
type BoxFile = Schemas["File"];
type FolderMini = Schemas["Folder--Mini"];

/** File--Mini's fields: always part of an answer that names `fields`. */
const MINI_FIELDS = ["type", "id", "etag", "sequence_id", "name", "sha1", "file_version"];
/** Folder--Mini's fields: always part of an answer that names `fields`. */
const FOLDER_MINI_FIELDS = ["type", "id", "etag", "sequence_id", "name"];

/** How many entries a folder's standard representation shows in item_collection, as on Box. */
const ITEM_COLLECTION_LIMIT = 100;

/** Every user is this one: the local server has no accounts. */
const LOCAL_USER: Schemas["User--Mini"] = { type: "user", id: "11446498", name: "Local User", login: "local-user@example.com" };

/** The `fields` query parameter as a list (comma-separated, possibly repeated), or undefined when absent. */
export function requestedFields(url: URL): string[] | undefined {
  const raw = url.searchParams.getAll("fields");
  if (raw.length === 0) return undefined;
  return raw.flatMap((v) => v.split(",")).map((f) => f.trim()).filter((f) => f !== "");
}

export function fileBody(state: BoxState, f: StoredFile, fields?: string[]): BoxFile {
  const v = f.versions[f.versions.length - 1]!;
  const chain = folderChain(state, f.folderId);
  const full: BoxFile = {
    type: "file",
    id: f.id,
    etag: String(f.etag),
    sequence_id: String(f.etag),
    name: f.name,
    sha1: v.sha1,
    file_version: { type: "file_version", id: v.id, sha1: v.sha1 },
    description: "",
    size: v.size,
    path_collection: { total_count: chain.length, entries: chain.map(folderMini) },
    created_at: f.createdAt,
    modified_at: f.modifiedAt,
    trashed_at: null,
    purged_at: null,
    content_created_at: f.contentCreatedAt ?? f.createdAt,
    content_modified_at: f.contentModifiedAt ?? f.modifiedAt,
    created_by: LOCAL_USER,
    modified_by: LOCAL_USER,
    owned_by: LOCAL_USER,
    shared_link: null,
    parent: folderMini(state.folder(f.folderId)),
    item_status: "active",
  };
  if (!fields) return full;
  const keep = new Set([...MINI_FIELDS, ...fields]);
  return Object.fromEntries(Object.entries(full).filter(([k]) => keep.has(k))) as BoxFile;
}

/** A list of one file, as the upload calls answer. */
export function filesBody(state: BoxState, f: StoredFile, fields?: string[]): Schemas["Files"] {
  return { total_count: 1, entries: [fileBody(state, f, fields)] };
}

/**
 * A folder as Box's standard representation (what POST /folders answers): path_collection is the
 * folders from the root down to the parent; item_collection shows the first 100 children, mini.
 */
export function folderBody(state: BoxState, f: StoredFolder, fields?: string[]): Record<string, unknown> {
  const root = f.parentId === undefined;
  const chain = root ? [] : folderChain(state, f.parentId!);
  const children = sortItems(state, state.children(f.id), DEFAULT_ORDER);
  const tag = f.etag === null ? null : String(f.etag);
  const full: Record<string, unknown> = {
    type: "folder",
    id: f.id,
    sequence_id: tag,
    etag: tag,
    name: f.name,
    created_at: root ? null : f.createdAt,
    modified_at: root ? null : f.modifiedAt,
    description: "",
    size: folderSize(state, f),
    path_collection: { total_count: chain.length, entries: chain.map(folderMini) },
    created_by: LOCAL_USER,
    modified_by: LOCAL_USER,
    trashed_at: null,
    purged_at: null,
    content_created_at: root ? null : f.createdAt,
    content_modified_at: root ? null : f.modifiedAt,
    owned_by: LOCAL_USER,
    shared_link: null,
    folder_upload_email: null,
    parent: root ? null : folderMini(state.folder(f.parentId!)),
    item_status: "active",
    item_collection: {
      total_count: children.length,
      entries: children.slice(0, ITEM_COLLECTION_LIMIT).map((c) => itemBody(state, c, [])),
      offset: 0,
      limit: ITEM_COLLECTION_LIMIT,
      order: orderOf(DEFAULT_ORDER),
    },
  };
  if (!fields) return full;
  const keep = new Set([...FOLDER_MINI_FIELDS, ...fields]);
  return Object.fromEntries(Object.entries(full).filter(([k]) => keep.has(k)));
}

/** A folder's child in a listing: mini, plus exactly the named `fields` (an empty list: mini only). */
export function itemBody(state: BoxState, item: StoredItem, fields: string[]): Record<string, unknown> {
  if (item.type === "file") return fileBody(state, item.file, fields) as Record<string, unknown>;
  // The listing's own item_collection is left out of a listed folder, even when asked for.
  return folderBody(state, item.folder, fields.filter((f) => f !== "item_collection"));
}

/** Sum of the current versions' sizes of every file under the folder. */
function folderSize(state: BoxState, f: StoredFolder): number {
  let size = 0;
  for (const id of f.fileIds) {
    const file = state.files.get(id);
    const v = file?.versions[file.versions.length - 1];
    if (v) size += v.size;
  }
  for (const id of f.folderIds) {
    const sub = state.folders.get(id);
    if (sub) size += folderSize(state, sub);
  }
  return size;
}

/**
 * A listing's order: always by type first (folders, then files), as Box orders standard folders,
 * then by `by` in `direction`; ties (same name in another case cannot happen; equal sizes or dates
 * can) are broken by ID ascending, so the order is total and stable across pages.
 */
export interface ItemOrder {
  by: "name" | "id" | "date" | "size";
  direction: "ASC" | "DESC";
}

export const DEFAULT_ORDER: ItemOrder = { by: "name", direction: "ASC" };

/** The `order` field of an offset-paginated answer. */
export function orderOf(order: ItemOrder): { by: string; direction: "ASC" | "DESC" }[] {
  return [
    { by: "type", direction: "ASC" },
    { by: order.by, direction: order.direction },
  ];
}

/** The sort key of an item under `order`: compared element by element (see compareKeys). */
export function sortKey(state: BoxState, item: StoredItem, order: ItemOrder): (string | number)[] {
  const typeRank = item.type === "folder" ? 0 : 1;
  const id = item.type === "folder" ? item.folder.id : item.file.id;
  let second: string | number;
  switch (order.by) {
    case "name":
      second = (item.type === "folder" ? item.folder.name : item.file.name).toLowerCase();
      break;
    case "id":
      second = Number(id);
      break;
    case "date":
      second = item.type === "folder" ? item.folder.modifiedAt : item.file.modifiedAt;
      break;
    case "size":
      second = item.type === "folder" ? folderSize(state, item.folder) : (item.file.versions[item.file.versions.length - 1]?.size ?? 0);
      break;
  }
  return [typeRank, second, Number(id)];
}

/** Compares two sort keys: type ascending, the chosen key in `direction`, then ID ascending. */
export function compareKeys(a: (string | number)[], b: (string | number)[], direction: "ASC" | "DESC"): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x) < String(y) ? -1 : 1;
    return i === 1 && direction === "DESC" ? -c : c;
  }
  return 0;
}

export function sortItems(state: BoxState, items: StoredItem[], order: ItemOrder): StoredItem[] {
  const keyed = items.map((item) => ({ item, key: sortKey(state, item, order) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key, order.direction));
  return keyed.map((k) => k.item);
}

function folderMini(folder: StoredFolder): FolderMini {
  const tag = folder.etag === null ? null : String(folder.etag);
  return { type: "folder", id: folder.id, sequence_id: tag, etag: tag, name: folder.name };
}

/** The folders from the root down to `folderId`, inclusive. */
function folderChain(state: BoxState, folderId: string): StoredFolder[] {
  const chain: StoredFolder[] = [];
  for (let f: StoredFolder | undefined = state.folders.get(folderId); f; f = f.parentId ? state.folders.get(f.parentId) : undefined) {
    chain.unshift(f);
  }
  return chain;
}
