/**
 * Box's one-request uploads (a new file, a new version) on the upload host, and on the API host
 * the preflight check, reading a file, moving or renaming it, and moving it to the trash. A
 * direct upload's body is multipart/form-data whose `attributes` part must come before its `file`
 * part; the file part is hashed as it streams in and never held. `content-md5` carries the SHA-1
 * (hex) of the file, despite its name.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { jsonObject, readJson, readMoveTarget, streamBody } from "./body";
import { Content } from "./content";
import { badRequest, checkIfMatch, HttpError } from "./errors";
import { boundaryOf, MultipartError, MultipartParser } from "./multipart";
import type { Handlers, ResolvedOptions } from "./options";
import { fileBody, filesBody, requestedFields } from "./representation";
import { checkItemName, type BoxState } from "./state";

export interface FileDeps {
  state: BoxState;
  opts: ResolvedOptions;
  /** The upload base URL, announced by a passed preflight check. */
  baseUrl: () => string;
}

/** What a direct upload's body held. */
interface DirectUpload {
  attributes: Record<string, unknown>;
  sha1: string;
  size: number;
  /** The file's bytes, kept only for upload plans. */
  content?: Content;
}

const MAX_ATTRIBUTES = 64 * 1024;

export function fileRoutes(d: FileDeps): Pick<Handlers, "uploadFile" | "uploadFileVersion" | "preflightUpload" | "getFile" | "moveFile" | "deleteFile"> {
  const { state, opts } = d;
  return {
    async uploadFile({ req, url }) {
      const upload = await readDirectUpload(req, opts.bytesPerSecond, opts.uploadPlan !== undefined);
      const name = checkItemName(upload.attributes.name);
      const parent = upload.attributes.parent as { id?: unknown } | undefined;
      if (!parent || typeof parent !== "object" || typeof parent.id !== "string") {
        throw badRequest("attributes.parent.id must be a string", "missing_destination");
      }
      const times = contentTimes(upload.attributes);
      state.folder(parent.id, "parent");
      state.checkNameFree(parent.id, name);
      checkContentMd5(req, upload);
      const file = Object.assign(state.createFile(parent.id, name), times);
      state.addVersion(file, { sha1: upload.sha1, size: upload.size, ...(upload.content ? { content: upload.content } : {}) });
      return { status: 201, body: filesBody(state, file, requestedFields(url)) };
    },

    async uploadFileVersion({ req, url, fileId }) {
      const upload = await readDirectUpload(req, opts.bytesPerSecond, opts.uploadPlan !== undefined);
      const file = state.file(fileId!);
      const ifMatch = req.headers["if-match"];
      if (ifMatch !== undefined && ifMatch !== String(file.etag)) {
        throw new HttpError(412, "precondition_failed", "The resource has been modified. Please retrieve the resource again and retry");
      }
      // The fragment lists name as required here; our client sends {} to keep the name, so a missing
      // name is accepted and keeps the current one.
      const name = upload.attributes.name === undefined ? undefined : checkItemName(upload.attributes.name);
      const times = contentTimes(upload.attributes);
      if (name !== undefined) state.checkNameFree(file.folderId, name, file);
      checkContentMd5(req, upload);
      if (name !== undefined) state.rename(file, name);
      Object.assign(file, times);
      state.addVersion(file, { sha1: upload.sha1, size: upload.size, ...(upload.content ? { content: upload.content } : {}) });
      return { status: 200, body: filesBody(state, file, requestedFields(url)) };
    },

    async moveFile({ req, url, fileId }) {
      const to = await readMoveTarget(req);
      const file = state.file(fileId!);
      checkIfMatch(req.headers["if-match"], file.etag);
      state.moveFile(file, to);
      return { status: 200, body: fileBody(state, file, requestedFields(url)) };
    },

    async deleteFile({ req, fileId }) {
      const file = state.file(fileId!);
      const ifMatch = req.headers["if-match"];
      if (ifMatch !== undefined && ifMatch !== String(file.etag)) {
        throw new HttpError(412, "precondition_failed", "The resource has been modified. Please retrieve the resource again and retry");
      }
      state.trashFile(file);
      return { status: 204 };
    },

    async preflightUpload({ req }) {
      const body = await readJson(req);
      const name = checkItemName(body.name);
      const parent = body.parent as { id?: unknown } | undefined;
      if (!parent || typeof parent !== "object" || typeof parent.id !== "string") {
        throw badRequest("parent.id must be a string", "missing_destination");
      }
      if (body.size !== undefined && (typeof body.size !== "number" || !Number.isSafeInteger(body.size) || body.size < 0)) {
        throw badRequest("size must be a non-negative integer");
      }
      state.folder(parent.id, "parent");
      state.checkNameFree(parent.id, name);
      return { status: 200, body: { upload_url: `${d.baseUrl()}/files/content` } };
    },

    async getFile({ req, url, fileId }) {
      const file = state.file(fileId!);
      if (req.headers["if-none-match"] === String(file.etag)) return { status: 304 };
      return { status: 200, body: fileBody(state, file, requestedFields(url)) };
    },
  };
}

/**
 * Reads the whole multipart body (so the client always gets to read the answer), hashing the file
 * part as it arrives. Refusals are thrown once the body is read: a file part before the attributes
 * part is Box's 400 metadata_after_file_contents.
 */
async function readDirectUpload(req: IncomingMessage, bytesPerSecond: number | undefined, keep = false): Promise<DirectUpload> {
  const kept: Buffer[] = [];
  const boundary = boundaryOf(req.headers["content-type"]);
  if (!boundary) throw badRequest("the body must be multipart/form-data with a boundary");
  let attributesText: string | undefined;
  let attributesChunks: Buffer[] | undefined;
  let attributesBytes = 0;
  let hash: ReturnType<typeof createHash> | undefined;
  let size = 0;
  let sha1: string | undefined;
  let refusal: HttpError | undefined;
  let current: "attributes" | "file" | "other" = "other";
  const parser = new MultipartParser(boundary, {
    part(info) {
      current = "other";
      if (refusal) return;
      const fileSeen = hash !== undefined;
      if (info.name === "attributes") {
        if (fileSeen) refusal = afterFile();
        else if (attributesChunks) refusal = badRequest("more than one attributes part");
        else {
          attributesChunks = [];
          current = "attributes";
        }
      } else if (info.name === "file") {
        if (!attributesChunks) refusal = afterFile();
        else if (fileSeen) refusal = badRequest("more than one file part");
        else {
          hash = createHash("sha1");
          current = "file";
        }
      }
    },
    data(chunk) {
      if (refusal) return;
      if (current === "file") {
        hash!.update(chunk);
        size += chunk.byteLength;
        if (keep) kept.push(Buffer.from(chunk));
      } else if (current === "attributes") {
        attributesBytes += chunk.byteLength;
        if (attributesBytes > MAX_ATTRIBUTES) refusal = badRequest("the attributes part is too large");
        else attributesChunks!.push(Buffer.from(chunk));
      }
    },
    partEnd() {
      if (current === "attributes") attributesText = Buffer.concat(attributesChunks!).toString("utf8");
      if (current === "file") sha1 = hash!.digest("hex");
      current = "other";
    },
  });
  try {
    await streamBody(req, (chunk) => parser.write(chunk), Number.MAX_SAFE_INTEGER, bytesPerSecond);
    parser.end();
  } catch (err) {
    if (err instanceof MultipartError) throw badRequest(`malformed multipart body: ${err.message}`);
    throw err;
  }
  if (refusal) throw refusal;
  if (attributesText === undefined) throw badRequest("the body has no attributes part");
  if (sha1 === undefined) throw badRequest("the body has no file part");
  return { attributes: jsonObject(attributesText, "the attributes part"), sha1, size, ...(keep ? { content: new Content(kept) } : {}) };
}

/**
 * Box refuses an upload whose bytes do not hash to the content-md5 header. The fragment names no
 * status for it; Box's error guide lists it as 400 bad_digest ("The specified content-md5 did not
 * match what we received"), which is what this answers.
 */
function checkContentMd5(req: IncomingMessage, upload: DirectUpload): void {
  const header = req.headers["content-md5"];
  if (header === undefined) return;
  if (String(header).trim().toLowerCase() !== upload.sha1) {
    throw badRequest("The specified content-md5 did not match what we received", "bad_digest");
  }
}

function afterFile(): HttpError {
  return badRequest("the attributes part must come before the file part", "metadata_after_file_contents");
}

/** The content times named in the attributes (a direct upload's, or a commit's), checked before anything is stored. */
export function contentTimes(attributes: Record<string, unknown>): { contentCreatedAt?: string; contentModifiedAt?: string } {
  const out: { contentCreatedAt?: string; contentModifiedAt?: string } = {};
  for (const [key, field] of [["content_created_at", "contentCreatedAt"], ["content_modified_at", "contentModifiedAt"]] as const) {
    const value = attributes[key];
    if (value === undefined) continue;
    if (typeof value !== "string" || Number.isNaN(Date.parse(value))) throw badRequest(`attributes.${key} must be a date-time`);
    out[field] = value;
  }
  return out;
}
