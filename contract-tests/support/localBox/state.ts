/**
 * What the local Box server stores: folders (by ID, with names, the files and sub-folders they
 * hold) and files with their version history. Only hashes and sizes are kept, never content,
 * except with the upload plan (plan.ts), which finds hits in a version's bytes.
 * Names are unique within a folder among files and sub-folders together, without regard to case,
 * as on Box.
 */
import type { Content } from "./content";
import { badRequest, HttpError, notFound } from "./errors";

export interface StoredVersion {
  id: string;
  sha1: string;
  size: number;
  /** The upload session that made this version, if it came from one. */
  sessionId?: string;
  /** The bytes, kept only with the `uploadPlan` option. */
  content?: Content;
  createdAt: string;
}

export interface StoredFile {
  id: string;
  name: string;
  folderId: string;
  etag: number;
  /** Oldest first; the last one is the current version. */
  versions: StoredVersion[];
  createdAt: string;
  modifiedAt: string;
  contentCreatedAt?: string;
  contentModifiedAt?: string;
}

export interface StoredFolder {
  id: string;
  name: string;
  /** Undefined for the root folder "0". */
  parentId?: string;
  fileIds: Set<string>;
  /** Direct sub-folders. */
  folderIds: Set<string>;
  /** Box's etag of a folder; null for the root (as Box answers it). */
  etag: number | null;
  createdAt: string;
  modifiedAt: string;
}

/** A folder's direct child, as `BoxState.children` lists it. */
export type StoredItem = { type: "folder"; folder: StoredFolder } | { type: "file"; file: StoredFile };

export const ROOT_FOLDER_ID = "0";

export class BoxState {
  readonly files = new Map<string, StoredFile>();
  readonly folders = new Map<string, StoredFolder>([[ROOT_FOLDER_ID, rootFolder()]]);
  /** What was deleted, by ID: in Box's trash, recoverable (a folder trashed whole takes its contents along). */
  readonly trash = new Map<string, StoredItem>();
  private nextId = 1_000_000;

  id(): string {
    return String(this.nextId++);
  }

  /**
   * A new, empty folder in `parentId`: 404 when the parent is unknown, 409 item_name_in_use
   * (naming the existing item) when a file or folder there already has the name, any case.
   */
  addFolder(name: string, parentId = ROOT_FOLDER_ID): StoredFolder {
    const parent = this.folder(parentId, "parent");
    this.checkNameFree(parentId, name);
    const now = new Date().toISOString();
    const folder: StoredFolder = { id: this.id(), name, parentId, fileIds: new Set(), folderIds: new Set(), etag: 0, createdAt: now, modifiedAt: now };
    this.folders.set(folder.id, folder);
    parent.folderIds.add(folder.id);
    return folder;
  }

  /** The folder, or 404 naming `parameter` as Box does. */
  folder(id: string, parameter = "folder_id"): StoredFolder {
    const folder = this.folders.get(id);
    if (!folder) throw notFound(`${parameter} ${id} not found`);
    return folder;
  }

  file(id: string): StoredFile {
    const file = this.files.get(id);
    if (!file) throw notFound(`file ${id} not found`);
    return file;
  }

  /** The file already called `name` in the folder (any case), if one is. */
  fileNamed(folderId: string, name: string): StoredFile | undefined {
    const key = name.toLowerCase();
    for (const id of this.folders.get(folderId)?.fileIds ?? []) {
      const file = this.files.get(id);
      if (file?.name.toLowerCase() === key) return file;
    }
    return undefined;
  }

  /** The sub-folder already called `name` in the folder (any case), if one is. */
  folderNamed(folderId: string, name: string): StoredFolder | undefined {
    const key = name.toLowerCase();
    for (const id of this.folders.get(folderId)?.folderIds ?? []) {
      const folder = this.folders.get(id);
      if (folder?.name.toLowerCase() === key) return folder;
    }
    return undefined;
  }

  /**
   * Refuses (409 item_name_in_use, naming the existing item) when `name` is taken in the folder by
   * another sub-folder or file than `except` (the item being renamed may change its name's case).
   * `conflictsAsList` answers the conflicting item in a list (what POST /folders and the moves
   * answer) rather than as one object (file uploads, preflight).
   */
  checkNameFree(folderId: string, name: string, except?: StoredFile | StoredFolder, conflictsAsList = false): void {
    const folder = this.folderNamed(folderId, name);
    if (folder && folder !== except) throw conflictError({ type: "folder", folder }, conflictsAsList);
    const existing = this.fileNamed(folderId, name);
    if (existing && existing !== except) throw conflictError({ type: "file", file: existing }, conflictsAsList);
  }

  /** The folder's direct children, unsorted. 404 when the folder is unknown. */
  children(folderId: string): StoredItem[] {
    const folder = this.folder(folderId);
    const items: StoredItem[] = [];
    for (const id of folder.folderIds) {
      const f = this.folders.get(id);
      if (f) items.push({ type: "folder", folder: f });
    }
    for (const id of folder.fileIds) {
      const f = this.files.get(id);
      if (f) items.push({ type: "file", file: f });
    }
    return items;
  }

  /** A new file with no version yet; `addVersion` gives it content. `id` (for tests) must be free. */
  createFile(folderId: string, name: string, id = this.id()): StoredFile {
    if (this.files.has(id) || this.folders.has(id)) throw new HttpError(409, "conflict", `ID ${id} is taken`);
    const now = new Date().toISOString();
    const file: StoredFile = { id, name, folderId, etag: -1, versions: [], createdAt: now, modifiedAt: now };
    this.files.set(file.id, file);
    this.folder(folderId).fileIds.add(file.id);
    return file;
  }

  /** Stores a new current version and bumps the etag (a new file's first version makes etag 0). */
  addVersion(file: StoredFile, version: { sha1: string; size: number; sessionId?: string; content?: Content }): StoredVersion {
    const stored: StoredVersion = { id: this.id(), ...version, createdAt: new Date().toISOString() };
    // Plans look at the current version only: older bytes are let go.
    for (const v of file.versions) delete v.content;
    file.versions.push(stored);
    file.etag++;
    file.modifiedAt = stored.createdAt;
    return stored;
  }

  /** Moves a file to the trash: gone from its folder and from every listing. */
  trashFile(file: StoredFile): void {
    this.folders.get(file.folderId)?.fileIds.delete(file.id);
    this.files.delete(file.id);
    this.trash.set(file.id, { type: "file", file });
  }

  /** Moves a folder to the trash with everything in it; 400 folder_not_empty unless `recursive` when it holds anything. */
  trashFolder(folder: StoredFolder, recursive: boolean): void {
    if (folder.id === ROOT_FOLDER_ID) throw new HttpError(403, "access_denied_insufficient_permissions", "The root folder cannot be deleted");
    if (!recursive && (folder.fileIds.size || folder.folderIds.size)) throw badRequest("Cannot delete - folder not empty", "folder_not_empty");
    const drop = (f: StoredFolder) => {
      for (const id of f.folderIds) drop(this.folders.get(id)!);
      for (const id of f.fileIds) this.files.delete(id);
      this.folders.delete(f.id);
    };
    this.folders.get(folder.parentId!)?.folderIds.delete(folder.id);
    drop(folder);
    this.trash.set(folder.id, { type: "folder", folder });
  }

  rename(file: StoredFile, name: string): void {
    if (name === file.name) return;
    this.checkNameFree(file.folderId, name, file);
    file.name = name;
  }

  /**
   * PUT /files/{id}: the same file (ID, versions, times) under `name` in `parentId`, with a new etag.
   * 404 for an unknown parent, 409 (listing the item) for a name taken there.
   */
  moveFile(file: StoredFile, to: { name?: string; parentId?: string }): void {
    const parentId = to.parentId ?? file.folderId;
    const name = to.name ?? file.name;
    const parent = this.folder(parentId, "parent");
    this.checkNameFree(parentId, name, file, true);
    this.folders.get(file.folderId)?.fileIds.delete(file.id);
    parent.fileIds.add(file.id);
    Object.assign(file, { folderId: parentId, name });
    file.etag++;
  }

  /**
   * PUT /folders/{id}: the same folder, with everything below it, under `name` in `parentId`, with
   * a new etag. 404 for an unknown parent; 400 bad_request for a parent that is the folder itself
   * or below it: Box's description names no error for that case, and its 400 covers "a parameter
   * that is missing or incorrect", which parent.id then is. 409 (listing the item) for a taken name.
   */
  moveFolder(folder: StoredFolder, to: { name?: string; parentId?: string }): void {
    if (folder.id === ROOT_FOLDER_ID) throw new HttpError(403, "access_denied_insufficient_permissions", "The root folder cannot be moved or renamed");
    const parentId = to.parentId ?? folder.parentId!;
    const name = to.name ?? folder.name;
    const parent = this.folder(parentId, "parent");
    for (let f: StoredFolder | undefined = parent; f; f = f.parentId === undefined ? undefined : this.folders.get(f.parentId)) {
      if (f === folder) throw badRequest("parent.id is the folder itself or one of its subfolders");
    }
    this.checkNameFree(parentId, name, folder, true);
    this.folders.get(folder.parentId!)?.folderIds.delete(folder.id);
    parent.folderIds.add(folder.id);
    Object.assign(folder, { parentId, name });
    folder.etag = (folder.etag ?? 0) + 1;
  }
}

/**
 * Box's 409 for a taken name: context_info.conflicts is the existing item's mini object (a file
 * with its sha1, size and file_version; a folder with type, id, sequence_id, etag, name). File
 * uploads and preflight checks answer it as one object; POST /folders as a list of one.
 */
export function conflictError(existing: StoredItem, asList = false): HttpError {
  let item: Record<string, unknown>;
  if (existing.type === "file") {
    const f = existing.file;
    const v = f.versions[f.versions.length - 1];
    item = {
      type: "file",
      id: f.id,
      etag: String(f.etag),
      sequence_id: String(f.etag),
      name: f.name,
      ...(v ? { sha1: v.sha1, size: v.size, file_version: { type: "file_version", id: v.id, sha1: v.sha1 } } : {}),
    };
  } else {
    const f = existing.folder;
    item = { type: "folder", id: f.id, sequence_id: f.etag === null ? null : String(f.etag), etag: f.etag === null ? null : String(f.etag), name: f.name };
  }
  return new HttpError(409, "item_name_in_use", "Item with the same name already exists", {}, { conflicts: asList ? [item] : item });
}

function rootFolder(): StoredFolder {
  const now = new Date().toISOString();
  return { id: ROOT_FOLDER_ID, name: "All Files", fileIds: new Set(), folderIds: new Set(), etag: null, createdAt: now, modifiedAt: now };
}

/**
 * Box's rules for item names: 1 to 255 characters, no / or \, no leading or trailing spaces, not
 * "." or "..", no control characters. Returns the name, or refuses with Box's code.
 */
export function checkItemName(name: unknown, what = "name"): string {
  if (typeof name !== "string" || name === "") throw badRequest(`${what} must be a non-empty string`, "item_name_invalid");
  if ([...name].length > 255) throw badRequest(`${what} is longer than 255 characters`, "item_name_too_long");
  // eslint-disable-next-line no-control-regex
  if (/[/\\\u0000-\u001f\u007f]/.test(name) || name !== name.trim() || name === "." || name === "..") {
    throw badRequest(`${what} ${JSON.stringify(name)} is not a valid item name`, "item_name_invalid");
  }
  return name;
}
