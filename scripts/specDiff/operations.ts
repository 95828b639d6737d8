/**
 * Compares the operations in scope: servers, parameters, request body, status codes, response
 * headers and bodies.
 *
 * Scope: an official operation is compared when
 *   1. the fragment has it (same method and path), or
 *   2. it is a variation of one the fragment has: Box sometimes describes one HTTP call a second
 *      time under the path key `<path>#<name>`, and counts here when filed under a tag of the
 *      fragment's operation (`POST /oauth2/token#refresh`, Authorization, is the refresh grant of
 *      our token call; `GET /files/{file_id}#get_shared_link`, Shared links (Files), is another
 *      feature's use of GET /files/{file_id} and is left alone), or
 *   3. it carries one of UPLOAD_TAGS: that is how a new upload call shows up, as "operation added".
 * Other tags do not pull in their siblings: the fragment uses four operations of Files (GET, PUT
 * and DELETE /files/{file_id}, OPTIONS /files/content), one of Authorization (POST /oauth2/token)
 * and four of Folders (GET /folders/{folder_id}/items, POST /folders, PUT and DELETE
 * /folders/{folder_id}, for folder sync; rule 1 covers them), and the rest of those tags (copy,
 * lock, versions, thumbnails, authorize, revoke, the folder's own information...) is none of the
 * client's business. Nor do Box's variations of GET/PUT /files/{file_id} and
 * /folders/{folder_id} (`#get_shared_link`, `#add_shared_link`...) come in: they are filed under
 * Shared links (Files) and Shared links (Folders), not under the tag of the fragment's operation.
 * Sharing a path is not enough either (GET /files/{file_id}/content, the download, sits on the
 * same path as the version upload).
 *
 * An official operation in scope that the fragment leaves out on purpose is documented by a root
 * `x-deviations` entry whose `where` is `paths.<official path>.<method>` (see documented.ts).
 */
import type { DiffContext } from "./context";
import { compareSchemas } from "./schemas";
import { child, children, isNode, objectEntries, type Node } from "./types";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

/** Tags whose every official operation is in scope (rule 3 above). */
export const UPLOAD_TAGS: ReadonlySet<string> = new Set(["Uploads", "Uploads (Chunked)"]);

interface Operation {
  label: string;
  method: string;
  path: string;
  pathItem: Node;
  op: Node;
}

export function operationsOf(doc: Node): Map<string, Operation> {
  const found = new Map<string, Operation>();
  for (const [path, pathItem] of children(doc, "paths")) {
    for (const method of METHODS) {
      const op = child(pathItem, method);
      const label = `${method.toUpperCase()} ${path}`;
      if (op) found.set(label, { label, method, path, pathItem, op });
    }
  }
  return found;
}

function tagsOf(op: Node): string[] {
  return Array.isArray(op.tags) ? op.tags.filter((t): t is string => typeof t === "string") : [];
}

/** The fragment's operation that `official` is a same-tag variation of (rule 2 above), if any. */
function variationOf(official: Operation, ours: Map<string, Operation>): Operation | undefined {
  const hash = official.path.indexOf("#");
  if (hash < 0) return undefined;
  const base = ours.get(`${official.method.toUpperCase()} ${official.path.slice(0, hash)}`);
  return base && tagsOf(official.op).some((t) => tagsOf(base.op).includes(t)) ? base : undefined;
}

export function compareOperations(ctx: DiffContext): void {
  const ours = operationsOf(ctx.fragment);
  const theirs = operationsOf(ctx.official);
  for (const [label, official] of theirs) {
    const related = ours.has(label) || variationOf(official, ours) !== undefined || tagsOf(official.op).some((t) => UPLOAD_TAGS.has(t));
    if (!related) continue;
    const fragment = ours.get(label);
    if (fragment) compareOperation(ctx, fragment, official);
    else ctx.report("added", label, "operation added", ctx.omits(official.path, official.method));
  }
  for (const [label, fragment] of ours) {
    if (!theirs.has(label)) ctx.report("removed", label, "operation removed", ctx.documents(fragment.pathItem) || ctx.documents(fragment.op));
  }
}

function compareOperation(ctx: DiffContext, f: Operation, o: Operation): void {
  const where = f.label;
  const documented = ctx.documents(f.pathItem) || ctx.documents(f.op);
  if (f.op.operationId !== o.op.operationId) {
    ctx.report("changed", where, `operationId changed ${String(f.op.operationId)} -> ${String(o.op.operationId)}`, documented);
  }
  compareServers(ctx, where, serversOf(ctx.fragment, f), serversOf(ctx.official, o), documented);
  compareParameters(ctx, where, parametersOf(f), parametersOf(o), documented);
  compareRequestBodies(ctx, where, child(f.op, "requestBody"), child(o.op, "requestBody"), documented);
  compareResponses(ctx, where, child(f.op, "responses"), child(o.op, "responses"), documented);
}

/**
 * The base URLs an operation is served from: its own servers, else its path item's, else the
 * document's (OpenAPI's override order), with each `{variable}` replaced by its default. So the
 * fragment may declare a host at the root that Box declares per operation, or write a templated
 * URL as its default, and only a different effective URL is a difference.
 */
function serversOf(doc: Node, operation: Operation): string[] {
  for (const holder of [operation.op, operation.pathItem, doc]) {
    if (!Array.isArray(holder.servers)) continue;
    return holder.servers.filter(isNode).map((server) => {
      const variables = child(server, "variables");
      return String(server.url).replace(/\{([^}]*)\}/g, (whole, name: string) => {
        const fallback = child(variables, name)?.default;
        return typeof fallback === "string" ? fallback : whole;
      });
    });
  }
  return [];
}

function compareServers(ctx: DiffContext, where: string, ours: string[], theirs: string[], documented: boolean): void {
  const show = (urls: string[]) => (urls.length ? urls.join(", ") : "(none)");
  if (show(ours) !== show(theirs)) ctx.report("changed", where, `server changed ${show(ours)} -> ${show(theirs)}`, documented);
}

/**
 * The parameters that apply to an operation: the path item's, overridden by the operation's own
 * (same name and location). Our fragment declares upload_session_id once per path, Box repeats it
 * in every operation; both mean the same. Header names are case-insensitive, hence the lowercase key.
 */
function parametersOf(operation: Operation): Map<string, { label: string; parameter: Node }> {
  const found = new Map<string, { label: string; parameter: Node }>();
  for (const list of [operation.pathItem.parameters, operation.op.parameters]) {
    if (!Array.isArray(list)) continue;
    for (const parameter of list) {
      if (!isNode(parameter) || typeof parameter.name !== "string" || typeof parameter.in !== "string") continue;
      const key = `${parameter.in} ${parameter.in === "header" ? parameter.name.toLowerCase() : parameter.name}`;
      found.set(key, { label: `${parameter.in} parameter ${parameter.name}`, parameter });
    }
  }
  return found;
}

type Parameters = ReturnType<typeof parametersOf>;

function compareParameters(ctx: DiffContext, where: string, ours: Parameters, theirs: Parameters, inheritedDoc: boolean): void {
  for (const [key, { label, parameter: official }] of theirs) {
    const fragment = ours.get(key)?.parameter;
    if (!fragment) {
      ctx.report("added", where, `${label} added${official.required === true ? " (required)" : ""}`, inheritedDoc);
      continue;
    }
    const documented = inheritedDoc || ctx.documents(fragment);
    if ((fragment.required === true) !== (official.required === true)) {
      ctx.report("changed", where, `${label} is now ${official.required === true ? "required" : "optional"}`, documented);
    }
    // How values are written on the wire (fields=a,b versus fields=a&fields=b), defaults applied.
    for (const [keyword, value] of [["style", styleOf], ["explode", explodeOf]] as const) {
      const before = value(fragment);
      const after = value(official);
      if (before !== after) ctx.report("changed", where, `${label}: ${keyword} changed ${before} -> ${after}`, documented);
    }
    const fs = child(fragment, "schema");
    const os = child(official, "schema");
    if (fs && os) compareSchemas(ctx, `${where} ${label}`, fs, os, documented);
    else if (fs || os) ctx.report("changed", where, `${label}: schema ${os ? "added" : "removed"}`, documented);
  }
  for (const [key, { label, parameter: fragment }] of ours) {
    if (!theirs.has(key)) ctx.report("removed", where, `${label} removed`, inheritedDoc || ctx.documents(fragment));
  }
}

/** A parameter's serialization style, OpenAPI's default for its location when not given. */
function styleOf(parameter: Node): string {
  if (typeof parameter.style === "string") return parameter.style;
  return parameter.in === "query" || parameter.in === "cookie" ? "form" : "simple";
}

function explodeOf(parameter: Node): string {
  return String(typeof parameter.explode === "boolean" ? parameter.explode : styleOf(parameter) === "form");
}

function compareRequestBodies(ctx: DiffContext, where: string, f: Node | undefined, o: Node | undefined, inheritedDoc: boolean): void {
  if (!f && !o) return;
  if (!f || !o) {
    ctx.report(o ? "added" : "removed", where, `request body ${o ? "added" : "removed"}`, inheritedDoc || ctx.documents(f));
    return;
  }
  const documented = inheritedDoc || ctx.documents(f);
  if ((f.required === true) !== (o.required === true)) {
    ctx.report("changed", where, `request body is now ${o.required === true ? "required" : "optional"}`, documented);
  }
  compareContent(ctx, `${where} request`, child(f, "content"), child(o, "content"), documented);
}

function compareResponses(ctx: DiffContext, where: string, f: Node | undefined, o: Node | undefined, inheritedDoc: boolean): void {
  const ours = new Map(objectEntries(f));
  const theirs = new Map(objectEntries(o));
  for (const [status, official] of theirs) {
    const fragment = ours.get(status);
    if (!fragment) {
      ctx.report("added", where, `response ${status} added`, inheritedDoc);
      continue;
    }
    const documented = inheritedDoc || ctx.documents(fragment);
    compareHeaders(ctx, where, status, child(fragment, "headers"), child(official, "headers"), documented);
    compareContent(ctx, `${where} response ${status}`, child(fragment, "content"), child(official, "content"), documented);
  }
  for (const [status, fragment] of ours) {
    if (!theirs.has(status)) ctx.report("removed", where, `response ${status} removed`, inheritedDoc || ctx.documents(fragment));
  }
}

function compareHeaders(ctx: DiffContext, where: string, status: string, f: Node | undefined, o: Node | undefined, inheritedDoc: boolean): void {
  // Header names are case-insensitive: Retry-After and retry-after are the same header.
  const byName = (headers: Node | undefined) =>
    new Map(objectEntries(headers).map(([name, header]) => [name.toLowerCase(), { name, header }]));
  const ours = byName(f);
  const theirs = byName(o);
  for (const [key, official] of theirs) {
    const fragment = ours.get(key);
    if (!fragment) {
      ctx.report("added", where, `response ${status} header ${official.name} added`, inheritedDoc);
      continue;
    }
    const documented = inheritedDoc || ctx.documents(fragment.header);
    if ((fragment.header.required === true) !== (official.header.required === true)) {
      ctx.report("changed", where, `response ${status} header ${official.name} is now ${official.header.required === true ? "required" : "optional"}`, documented);
    }
    const fs = child(fragment.header, "schema");
    const os = child(official.header, "schema");
    if (fs && os) compareSchemas(ctx, `${where} response ${status} header ${official.name}`, fs, os, documented);
  }
  for (const [key, fragment] of ours) {
    if (!theirs.has(key)) {
      ctx.report("removed", where, `response ${status} header ${fragment.name} removed`, inheritedDoc || ctx.documents(fragment.header));
    }
  }
}

/**
 * Bodies are matched by media type. The label is `<op> request body` / `<op> response 201 body`,
 * with the media type added only when it is not the usual application/json.
 */
function compareContent(ctx: DiffContext, where: string, f: Node | undefined, o: Node | undefined, inheritedDoc: boolean): void {
  const ours = new Map(objectEntries(f));
  const theirs = new Map(objectEntries(o));
  for (const [type, official] of theirs) {
    const label = `${where} body${type === "application/json" ? "" : ` ${type}`}`;
    const fragment = ours.get(type);
    if (!fragment) {
      ctx.report("added", `${where} body`, `media type ${type} added`, inheritedDoc);
      continue;
    }
    const documented = inheritedDoc || ctx.documents(fragment);
    const fs = child(fragment, "schema");
    const os = child(official, "schema");
    if (fs && os) compareSchemas(ctx, label, fs, os, documented);
    else if (fs || os) ctx.report(os ? "added" : "removed", label, `schema ${os ? "added" : "removed"}`, documented);
  }
  for (const [type, fragment] of ours) {
    if (!theirs.has(type)) ctx.report("removed", `${where} body`, `media type ${type} removed`, inheritedDoc || ctx.documents(fragment));
  }
}
