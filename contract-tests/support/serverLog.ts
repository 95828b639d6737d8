/**
 * What the local Box server saw (its request log, the requests as they arrived) and holds (its
 * sessions), read the same way by every test.
 */
import type { LocalBoxServer, LoggedRequest, RequestContext, Route, Session } from "./localBox/server";
import { parseContentRange } from "./wire";

/** A route, or "createSession" for either way of opening a session (new file or new version). */
export type RouteMatch = Route | "createSession";

export function isRoute(route: Route, match: RouteMatch): boolean {
  return match === "createSession" ? route.startsWith("createSession") : route === match;
}

/** The requests logged (answered) for `route`, from log index `since` on (e.g. a `server.log.length` taken earlier). */
export function requestsTo(server: LocalBoxServer, route: RouteMatch, since = 0): LoggedRequest[] {
  return server.log.slice(since).filter((r) => isRoute(r.route, route));
}

/** The requests to `route` as they arrived, answered or not (e.g. held by a fault that never answers). */
export function arrivalsAt(server: LocalBoxServer, route: RouteMatch): RequestContext[] {
  return server.received.filter((r) => isRoute(r.route, route));
}

/** The statuses answered to `route`, in order; 0 is a dropped connection. */
export function statusesOf(server: LocalBoxServer, route: RouteMatch, since = 0): number[] {
  return requestsTo(server, route, since).map((r) => r.status);
}

/** The offset of a logged part upload, read from its Content-Range. */
export function partOffset(request: LoggedRequest): number {
  const range = parseContentRange(request.contentRange ?? "");
  if (!range) throw new Error(`${request.method} ${request.path} has no valid Content-Range`);
  return range.offset;
}

/** For each offset, the statuses of the part uploads sent for it, in order; 0 is a dropped connection. */
export function putsByOffset(server: LocalBoxServer, since = 0): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const r of requestsTo(server, "uploadPart", since)) {
    if (!r.contentRange) continue;
    const offset = partOffset(r);
    out.set(offset, [...(out.get(offset) ?? []), r.status]);
  }
  return out;
}

/** The offsets of the parts the server stored (answered 200), sorted. */
export function storedOffsets(server: LocalBoxServer, since = 0): number[] {
  return requestsTo(server, "uploadPart", since)
    .filter((r) => r.status === 200)
    .map(partOffset)
    .sort((a, b) => a - b);
}

/** The Content-Range of every part sent for `sessionId`, in the order the server saw them. */
export function rangesSent(server: LocalBoxServer, sessionId: string): string[] {
  return requestsTo(server, "uploadPart")
    .filter((r) => r.path.endsWith(sessionId))
    .map((r) => r.contentRange!);
}

/** How many upload sessions are still open (neither committed nor aborted). */
export function openSessionCount(server: LocalBoxServer): number {
  return [...server.sessions.values()].filter((s) => s.state === "open").length;
}

/** The session opened for a new version of file `fileId`. */
export function versionSessionOf(server: LocalBoxServer, fileId: string): Session {
  const session = [...server.sessions.values()].find((s) => s.target.kind === "version" && s.target.fileId === fileId);
  if (!session) throw new Error(`no upload session for a new version of file ${fileId}`);
  return session;
}
