/**
 * Box's folder routes on the API host: listing a folder's direct children (offset- or
 * marker-based pages), creating a folder, moving or renaming one (with what it holds), and moving
 * one to the trash (with what it holds, when recursive).
 *
 * Order of a listing: folders before files (Box sorts standard folders by type first), then by
 * `sort` (name by default, compared case-insensitively by UTF-16 code units; or id, date =
 * modified_at, size) in `direction` (ASC by default), then by ID ascending, so it is total and
 * the same on every page. Offset answers state it in `order`.
 *
 * Pages hold `limit` entries (default 100), capped at 1000 as on Box and at the `pageSizeCap`
 * option (default 1000) so tests can force small pages; the answer's `limit` is the one used.
 * A marker is opaque to clients: it names the sort and the key of the entry the page starts
 * after, so a page following a marker is still right when items were added or removed before it.
 */
import { intParam, readJson, readMoveTarget } from "./body";
import { badRequest, checkIfMatch, HttpError } from "./errors";
import type { Handlers, ResolvedOptions } from "./options";
import { compareKeys, DEFAULT_ORDER, folderBody, itemBody, orderOf, requestedFields, sortItems, sortKey, type ItemOrder } from "./representation";
import { checkItemName, type BoxState } from "./state";

export interface FolderDeps {
  state: BoxState;
  opts: ResolvedOptions;
}

/** Box's largest page for this call. */
export const MAX_PAGE = 1000;
export const DEFAULT_PAGE = 100;

const SORTS = ["id", "name", "date", "size"] as const;

export function folderRoutes(d: FolderDeps): Pick<Handlers, "listFolderItems" | "createFolder" | "moveFolder" | "deleteFolder"> {
  const { state, opts } = d;
  return {
    async moveFolder({ req, url, folderId }) {
      const to = await readMoveTarget(req);
      const folder = state.folder(folderId!);
      checkIfMatch(req.headers["if-match"], folder.etag);
      // Box's documented rule: a move carries parent.id alone; a rename goes in another call.
      if (to.parentId !== undefined && (to.name !== undefined || to.others.length > 0)) {
        throw new HttpError(403, "operation_limit_exceeded", "A move takes parent.id alone; send the other fields in another call");
      }
      state.moveFolder(folder, to);
      return { status: 200, body: folderBody(state, folder, requestedFields(url)) };
    },

    async deleteFolder({ req, url, folderId }) {
      const folder = state.folder(folderId!);
      const ifMatch = req.headers["if-match"];
      if (ifMatch !== undefined && ifMatch !== String(folder.etag)) {
        throw new HttpError(412, "precondition_failed", "The resource has been modified. Please retrieve the resource again and retry");
      }
      const recursive = url.searchParams.get("recursive");
      if (recursive !== null && recursive !== "true" && recursive !== "false") throw badRequest("recursive must be true or false");
      state.trashFolder(folder, recursive === "true");
      return { status: 204 };
    },

    async listFolderItems({ url, folderId }) {
      const items = state.children(folderId!);
      const fields = requestedFields(url) ?? [];
      const asked = intParam(url, "limit", DEFAULT_PAGE);
      const limit = Math.min(asked, MAX_PAGE, Math.max(1, opts.pageSizeCap));
      const useMarker = url.searchParams.get("usemarker") === "true";

      if (!useMarker) {
        const order = orderParam(url);
        const offset = intParam(url, "offset", 0);
        const sorted = sortItems(state, items, order);
        return {
          status: 200,
          body: {
            total_count: sorted.length,
            entries: sorted.slice(offset, offset + limit).map((i) => itemBody(state, i, fields)),
            offset,
            limit,
            order: orderOf(order),
          },
        };
      }

      if (limit === 0) throw badRequest("limit must be at least 1 with marker-based pagination");
      const rawMarker = url.searchParams.get("marker");
      const marker = rawMarker ? decodeMarker(rawMarker) : { order: orderParam(url), after: null };
      const { order } = marker;
      const keyed = sortItems(state, items, order).map((item) => ({ item, key: sortKey(state, item, order) }));
      const start = marker.after === null ? 0 : countUpTo(keyed, marker.after, order);
      const page = keyed.slice(start, start + limit);
      const end = start + page.length;
      const prevStart = Math.max(0, start - limit);
      return {
        status: 200,
        body: {
          entries: page.map((k) => itemBody(state, k.item, fields)),
          limit,
          next_marker: end < keyed.length ? encodeMarker({ order, after: keyed[end - 1]!.key }) : null,
          prev_marker: start > 0 ? encodeMarker({ order, after: prevStart === 0 ? null : keyed[prevStart - 1]!.key }) : null,
        },
      };
    },

    async createFolder({ req, url }) {
      const body = await readJson(req);
      const name = checkItemName(body.name);
      const parent = body.parent as { id?: unknown } | undefined;
      if (!parent || typeof parent !== "object" || typeof parent.id !== "string") {
        throw badRequest("parent.id must be a string");
      }
      state.folder(parent.id, "parent");
      state.checkNameFree(parent.id, name, undefined, true);
      const folder = state.addFolder(name, parent.id);
      return { status: 201, body: folderBody(state, folder, requestedFields(url)) };
    },
  };
}

/** `sort` and `direction` of the query, checked. */
function orderParam(url: URL): ItemOrder {
  const by = url.searchParams.get("sort") ?? DEFAULT_ORDER.by;
  const direction = (url.searchParams.get("direction") ?? DEFAULT_ORDER.direction).toUpperCase();
  if (!(SORTS as readonly string[]).includes(by)) throw badRequest(`sort must be one of ${SORTS.join(", ")}`);
  if (direction !== "ASC" && direction !== "DESC") throw badRequest("direction must be ASC or DESC");
  return { by: by as ItemOrder["by"], direction };
}

type Key = (string | number)[];
interface Marker {
  order: ItemOrder;
  /** Key of the entry the page starts after; null: from the first entry. */
  after: Key | null;
}

/** How many entries sort at or before `after` (the index the next page starts at). */
function countUpTo(keyed: { key: Key }[], after: Key, order: ItemOrder): number {
  let n = 0;
  while (n < keyed.length && compareKeys(keyed[n]!.key, after, order.direction) <= 0) n++;
  return n;
}

function encodeMarker(m: Marker): string {
  return Buffer.from(JSON.stringify({ b: m.order.by, d: m.order.direction, a: m.after })).toString("base64url");
}

function decodeMarker(raw: string): Marker {
  try {
    const v = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as { b?: unknown; d?: unknown; a?: unknown };
    const okKey = v.a === null || (Array.isArray(v.a) && v.a.length === 3 && v.a.every((x) => typeof x === "string" || typeof x === "number"));
    if ((SORTS as readonly unknown[]).includes(v.b) && (v.d === "ASC" || v.d === "DESC") && okKey) {
      return { order: { by: v.b as ItemOrder["by"], direction: v.d }, after: v.a as Key | null };
    }
  } catch {
    /* fall through */
  }
  throw badRequest("marker is not one this server gave out", "invalid_parameter");
}
