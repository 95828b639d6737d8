/**
 * Which operation a request is. Box serves them from three places, and so does this server, on
 * one port: the upload host under /api/2.0, the API host under /2.0, and the token endpoint at the
 * API host's origin. An operation asked for under the wrong prefix is "unknown" (404), as on Box.
 */
import type { Route } from "./options";

/** Path prefixes of the upload host and of the API host. */
export const UPLOAD_PREFIX = "/api/2.0";
export const API_PREFIX = "/2.0";

export interface Matched {
  route: Route;
  sessionId?: string;
  fileId?: string;
  folderId?: string;
}

/**
 * Session IDs are Box's (letters and digits); `isSession` also admits an ID this server gave a
 * session of its own choosing (the `sessionPatch` option's `id`).
 */
export function matchRoute(method: string, pathname: string, isSession: (id: string) => boolean = () => false): Matched {
  if (pathname === "/oauth2/token") return method === "POST" ? { route: "oauthToken" } : { route: "unknown" };
  if (pathname.startsWith(`${UPLOAD_PREFIX}/`)) return matchUpload(method, pathname.slice(UPLOAD_PREFIX.length), isSession);
  if (pathname.startsWith(`${API_PREFIX}/`)) return matchApi(method, pathname.slice(API_PREFIX.length));
  return { route: "unknown" };
}

function matchUpload(method: string, p: string, isSession: (id: string) => boolean): Matched {
  let m: RegExpExecArray | null;
  if (method === "POST" && p === "/files/upload_sessions") return { route: "createSessionNewFile" };
  if (method === "POST" && p === "/files/content") return { route: "uploadFile" };
  if (method === "POST" && (m = /^\/files\/(\d+)\/upload_sessions$/.exec(p))) {
    return { route: "createSessionExistingFile", fileId: m[1]! };
  }
  if (method === "POST" && (m = /^\/files\/(\d+)\/content$/.exec(p))) return { route: "uploadFileVersion", fileId: m[1]! };
  if ((m = /^\/files\/upload_sessions\/([^/]+)(\/parts|\/commit|\/plan)?$/.exec(p)) && (/^[A-Za-z0-9]+$/.test(m[1]!) || isSession(m[1]!))) {
    const sessionId = m[1]!;
    const tail = m[2];
    if (tail === "/parts" && method === "GET") return { route: "listParts", sessionId };
    if (tail === "/commit" && method === "POST") return { route: "commit", sessionId };
    if (tail === "/plan" && method === "POST") return { route: "planSession", sessionId };
    if (!tail && method === "GET") return { route: "getSession", sessionId };
    if (!tail && method === "PUT") return { route: "uploadPart", sessionId };
    if (!tail && method === "DELETE") return { route: "abortSession", sessionId };
  }
  return { route: "unknown" };
}

function matchApi(method: string, p: string): Matched {
  let m: RegExpExecArray | null;
  if (method === "OPTIONS" && p === "/files/content") return { route: "preflightUpload" };
  if (method === "GET" && (m = /^\/files\/(\d+)$/.exec(p))) return { route: "getFile", fileId: m[1]! };
  if (method === "GET" && (m = /^\/folders\/(\d+)\/items$/.exec(p))) return { route: "listFolderItems", folderId: m[1]! };
  if (method === "POST" && p === "/folders") return { route: "createFolder" };
  if (method === "PUT" && (m = /^\/files\/(\d+)$/.exec(p))) return { route: "moveFile", fileId: m[1]! };
  if (method === "PUT" && (m = /^\/folders\/(\d+)$/.exec(p))) return { route: "moveFolder", folderId: m[1]! };
  if (method === "DELETE" && (m = /^\/files\/(\d+)$/.exec(p))) return { route: "deleteFile", fileId: m[1]! };
  if (method === "DELETE" && (m = /^\/folders\/(\d+)$/.exec(p))) return { route: "deleteFolder", folderId: m[1]! };
  return { route: "unknown" };
}
