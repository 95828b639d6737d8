/**
 * How a stored file is answered: Box's standard field set, or (when the request names `fields`)
 * the mini fields plus exactly the named ones. Unknown field names are ignored, as on Box.
 */
import type { components } from "../../../generated/box-chunked-uploads";
import type { BoxState, StoredFile, StoredFolder } from "./state";

type Schemas = components["schemas"];
type BoxFile = Schemas["File"];
type FolderMini = Schemas["Folder--Mini"];

/** File--Mini's fields: always part of an answer that names `fields`. */
const MINI_FIELDS = ["type", "id", "etag", "sequence_id", "name", "sha1", "file_version"];

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

function folderMini(folder: StoredFolder): FolderMini {
  const root = folder.parentId === undefined;
  return { type: "folder", id: folder.id, sequence_id: root ? null : "0", etag: root ? null : "0", name: folder.name };
}

/** The folders from the root down to `folderId`, inclusive. */
function folderChain(state: BoxState, folderId: string): StoredFolder[] {
  const chain: StoredFolder[] = [];
  for (let f: StoredFolder | undefined = state.folders.get(folderId); f; f = f.parentId ? state.folders.get(f.parentId) : undefined) {
    chain.unshift(f);
  }
  return chain;
}
