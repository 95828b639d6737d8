/** What `onRequest` is told of one exchange: method, path, status, time, Box's request id; never a token, a query or a body. */
import type { Secrets } from "./secrets";
import type { RequestEvent } from "./types";

export function requestEvent(label: string, response: Response | undefined, started: number, secrets: Secrets): RequestEvent {
  let path = label.split(" ")[1] ?? "";
  try {
    if (response?.url) path = new URL(response.url).pathname;
  } catch {
    /* keep the operation's template */
  }
  const requestId = response?.headers.get("box-request-id") ?? undefined;
  return {
    method: label.split(" ")[0]!,
    path: secrets.clean(path),
    status: response?.status ?? 0,
    ms: Date.now() - started,
    ...(requestId ? { requestId: secrets.clean(requestId) } : {}),
  };
}
