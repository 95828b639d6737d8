/**
 * What the local Box server stores: folders (by ID, with names and the files they hold) and files
 * with their version history. Only hashes and sizes are kept, never content. Names are unique
 * within a folder without regard to case, as on Box.
 */
import { badRequest, HttpError, notFound } from "./errors";

export interface StoredVersion {
  id: string;
  sha1: string;
  size: number;
  /** The upload session that made this version, if it came from one. */
  sessionId?: string;
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
}

export const ROOT_FOLDER_ID = "0";

export class BoxState {
  readonly files = new Map<string, StoredFile>();
  readonly folders = new Map<string, StoredFolder>([[ROOT_FOLDER_ID, { id: ROOT_FOLDER_ID, name: "All Files", fileIds: new Set() }]]);
  private nextId = 1_000_000;

  id(): string {
    return String(this.nextId++);
  }

  addFolder(name: string, parentId = ROOT_FOLDER_ID): StoredFolder {
    this.folder(parentId);
    const folder: StoredFolder = { id: this.id(), name, parentId, fileIds: new Set() };
    this.folders.set(folder.id, folder);
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

  /** Refuses (409 item_name_in_use, naming the existing file) when `name` is taken in the folder by another file. */
  checkNameFree(folderId: string, name: string, except?: StoredFile): void {
    const existing = this.fileNamed(folderId, name);
    if (existing && existing !== except) throw conflictError(existing);
  }

  /** A new file with no version yet; `addVersion` gives it content. */
  createFile(folderId: string, name: string): StoredFile {
    const now = new Date().toISOString();
    const file: StoredFile = { id: this.id(), name, folderId, etag: -1, versions: [], createdAt: now, modifiedAt: now };
    this.files.set(file.id, file);
    this.folder(folderId).fileIds.add(file.id);
    return file;
  }

  /** Stores a new current version and bumps the etag (a new file's first version makes etag 0). */
  addVersion(file: StoredFile, version: { sha1: string; size: number; sessionId?: string }): StoredVersion {
    const stored: StoredVersion = { id: this.id(), ...version, createdAt: new Date().toISOString() };
    file.versions.push(stored);
    file.etag++;
    file.modifiedAt = stored.createdAt;
    return stored;
  }

  rename(file: StoredFile, name: string): void {
    if (name === file.name) return;
    this.checkNameFree(file.folderId, name, file);
    file.name = name;
  }
}

/** Box's 409 for a taken name: context_info.conflicts is the existing file, as one object. */
export function conflictError(existing: StoredFile): HttpError {
  const v = existing.versions[existing.versions.length - 1];
  return new HttpError(409, "item_name_in_use", "Item with the same name already exists", {}, {
    conflicts: {
      type: "file",
      id: existing.id,
      etag: String(existing.etag),
      sequence_id: String(existing.etag),
      name: existing.name,
      ...(v ? { sha1: v.sha1, size: v.size, file_version: { type: "file_version", id: v.id, sha1: v.sha1 } } : {}),
    },
  });
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
