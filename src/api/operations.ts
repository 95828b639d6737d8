/**
 * Every Box operation the client sends, named once: its method and path as the fragment has them,
 * and what Box's per-user limits count it as (the pacer's two budgets). Box counts file uploads
 * apart (about 240 a minute): the direct uploads and the creation of upload sessions; everything
 * else, part uploads included, is an API call (about 1,000 a minute). The operation modules send
 * through these constants, so a request's budget is a typed property of its operation, never read
 * from a label. A test holds every entry against the fragment (unit/operations.test.ts).
 */
import type { RequestKind } from "./pacer";

export interface Operation {
  readonly method: "GET" | "POST" | "PUT" | "DELETE" | "OPTIONS";
  readonly path: string;
  readonly kind: RequestKind;
  /** `METHOD /path`, for messages and the request log. */
  readonly label: string;
}

const upload = (method: Operation["method"], path: string): Operation => ({ method, path, kind: "upload", label: `${method} ${path}` });
const call = (method: Operation["method"], path: string): Operation => ({ method, path, kind: "call", label: `${method} ${path}` });

export const OPERATIONS = {
  createUploadSessionForExistingFile: upload("POST", "/files/{file_id}/upload_sessions"),
  createUploadSession: upload("POST", "/files/upload_sessions"),
  getUploadSession: call("GET", "/files/upload_sessions/{upload_session_id}"),
  uploadPart: call("PUT", "/files/upload_sessions/{upload_session_id}"),
  listUploadedParts: call("GET", "/files/upload_sessions/{upload_session_id}/parts"),
  commitUploadSession: call("POST", "/files/upload_sessions/{upload_session_id}/commit"),
  abortUploadSession: call("DELETE", "/files/upload_sessions/{upload_session_id}"),
  planUploadSession: call("POST", "/files/upload_sessions/{upload_session_id}/plan"),
  uploadFile: upload("POST", "/files/content"),
  uploadFileVersion: upload("POST", "/files/{file_id}/content"),
  preflightUpload: call("OPTIONS", "/files/content"),
  getFile: call("GET", "/files/{file_id}"),
  deleteFile: call("DELETE", "/files/{file_id}"),
  moveFile: call("PUT", "/files/{file_id}"),
  listFolderItems: call("GET", "/folders/{folder_id}/items"),
  createFolder: call("POST", "/folders"),
  deleteFolder: call("DELETE", "/folders/{folder_id}"),
  moveFolder: call("PUT", "/folders/{folder_id}"),
} as const satisfies Record<string, Operation>;
