/**
 * Box's folder operations, for putting a whole tree into Box: list a folder's items (marker-based
 * pages of at most 1000, read lazily so a huge folder is never held at once), create a folder, move
 * or rename one, and move one to the trash. All on the API host.
 */
import { BoxInputError, BoxProtocolError } from "../core/errors";
import { checkFileName, checkHeaderValue, checkIntInRange, checkItemId } from "../core/validate";
import type { ApiCaller } from "./caller";
import { OPERATIONS } from "./operations";
import { checkFields, moveInput } from "./inputs";
import type { CallOptions, MoveTarget, Schemas } from "./types";

export type FolderItem = Schemas["Item"];
export type Folder = Schemas["Folder"];

/** No real folder is this large; a server paging past it is broken or hostile. */
const MAX_FOLDER_PAGES = 100_000;

export function folderOperations(caller: ApiCaller) {
  /** `GET /folders/{folder_id}/items`: one page, marker-based; `marker` is the previous page's `next_marker`. */
  async function listFolderItems(
    folderId: string,
    page: { fields?: string[]; limit?: number; marker?: string } = {},
    options: CallOptions = {},
  ): Promise<Schemas["Items"]> {
    checkItemId("folderId", folderId);
    const fields = checkFields(page.fields ?? []);
    const limit = page.limit === undefined ? 1000 : checkIntInRange("limit", page.limit, 1, 1000);
    if (page.marker !== undefined && (typeof page.marker !== "string" || page.marker.length === 0)) throw new BoxInputError("marker", "must be a non-empty string");
    const items = await caller.send(OPERATIONS.listFolderItems, caller.onApiHost(options), (init) =>
      caller.api.GET("/folders/{folder_id}/items", {
        params: {
          path: { folder_id: folderId },
          query: { usemarker: true, limit, ...(page.marker ? { marker: page.marker } : {}), ...(fields.length ? { fields: fields.join(",") as never } : {}) },
        },
        ...init,
      }),
    );
    if (!items || typeof items !== "object" || !Array.isArray(items.entries)) {
      throw new BoxProtocolError("GET /folders/{folder_id}/items answered without entries");
    }
    return items;
  }

  /** Every item of a folder, page after page as they are consumed. */
  async function* folderItems(folderId: string, fields: string[] = [], options: CallOptions = {}): AsyncGenerator<FolderItem> {
    let marker: string | undefined;
    for (let pages = 0; pages < MAX_FOLDER_PAGES; pages++) {
      const page = await listFolderItems(folderId, { fields, ...(marker ? { marker } : {}) }, options);
      yield* page.entries ?? [];
      const next = page.next_marker;
      if (typeof next !== "string" || next.length === 0) return;
      // A listing cut short would make present files look absent: a server going round is an error.
      if (next === marker || (page.entries ?? []).length === 0) throw new BoxProtocolError(`folder ${folderId}: the listing repeats its marker or pages on empty`);
      marker = next;
    }
    throw new BoxProtocolError(`folder ${folderId} kept paging past ${MAX_FOLDER_PAGES} pages`);
  }

  /** `POST /folders`: a folder named `name` in `parentId`; a taken name is BoxApiError 409 naming the existing item. */
  async function createFolder(parentId: string, name: string, options: CallOptions = {}): Promise<Folder> {
    checkItemId("parentId", parentId);
    checkFileName("name", name);
    const folder = await caller.send(OPERATIONS.createFolder, caller.onApiHost(options), (init) =>
      caller.api.POST("/folders", { body: { name, parent: { id: parentId } }, ...init }),
    );
    if (!folder || typeof folder !== "object" || typeof folder.id !== "string") throw new BoxProtocolError("POST /folders answered without the folder");
    return folder;
  }

  /**
   * `DELETE /folders/{folder_id}`: moves the folder to the trash; `recursive` takes what it holds
   * along (else a folder that is not empty is refused, 400 folder_not_empty). With `ifMatch`, a
   * folder that changed since it was listed is refused (412). The root folder is never deleted.
   */
  async function deleteFolder(folderId: string, input: { recursive?: boolean; ifMatch?: string } = {}, options: CallOptions = {}): Promise<void> {
    checkItemId("folderId", folderId);
    if (folderId === "0") throw new BoxInputError("folderId", "is the root folder, which is never deleted");
    if (input?.recursive !== undefined && typeof input.recursive !== "boolean") throw new BoxInputError("recursive", "must be a boolean");
    const ifMatch = checkHeaderValue("ifMatch", input.ifMatch);
    await caller.send(OPERATIONS.deleteFolder, caller.onApiHost(options), (init) =>
      caller.api.DELETE("/folders/{folder_id}", {
        params: { path: { folder_id: folderId }, ...(input.recursive ? { query: { recursive: true } } : {}), ...(ifMatch ? { header: { "if-match": ifMatch } } : {}) },
        ...init,
      }),
    );
  }

  /**
   * `PUT /folders/{folder_id}` with a new name or a new parent folder: the folder keeps its ID and
   * what it holds, and gets a new etag. Box refuses a move that carries anything besides parent.id
   * (403 operation_limit_exceeded), so both at once are refused here, before sending: rename and
   * move in two calls. A taken name is a BoxApiError 409 naming the item; with `ifMatch`, a folder
   * changed since it was read is refused (412). The root folder is never moved.
   */
  async function moveFolder(folderId: string, to: MoveTarget, options: CallOptions = {}): Promise<Folder> {
    checkItemId("folderId", folderId);
    if (folderId === "0") throw new BoxInputError("folderId", "is the root folder, which is never moved");
    const { body, ifMatch } = moveInput(to);
    if (body.name !== undefined && body.parent) throw new BoxInputError("to", "moves a folder or renames it, not both: Box takes parent alone (rename in a second call)");
    if (body.parent?.id === folderId) throw new BoxInputError("parentId", "is the folder itself");
    const folder = await caller.send(OPERATIONS.moveFolder, caller.onApiHost(options), (init) =>
      caller.api.PUT("/folders/{folder_id}", { params: { path: { folder_id: folderId }, ...(ifMatch ? { header: { "if-match": ifMatch } } : {}) }, body, ...init }),
    );
    if (!folder || typeof folder !== "object" || typeof folder.id !== "string") throw new BoxProtocolError("PUT /folders/{folder_id} answered without the folder");
    return folder;
  }

  return { listFolderItems, folderItems, createFolder, moveFolder, deleteFolder };
}

export type FolderOperations = ReturnType<typeof folderOperations>;
