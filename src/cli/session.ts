/**
 * What every command does around its work: credentials from the environment, one client, Ctrl-C
 * and SIGTERM turned into an abort (a second one leaves at once), errors reported and mapped to an
 * exit code, the client closed.
 */
import { BoxUploadClient, VERSION, type RequestEvent, type TokenOption } from "../index";
import { baseUrls, tokenFromEnv } from "./env";
import { EXIT, exitCodeFor } from "./exitCodes";
import { report, type Io } from "./output";

export interface ClientFlags {
  baseUrl?: string;
  apiBaseUrl?: string;
  verbose?: boolean;
  json?: boolean;
}

export async function withClient(
  io: Io,
  flags: ClientFlags,
  work: (client: BoxUploadClient, signal: AbortSignal) => Promise<number>,
  /** Runs after the error is reported: for a hint on the line after it. */
  onError?: (err: unknown) => void,
): Promise<number> {
  let token: TokenOption;
  try {
    token = tokenFromEnv(io.env);
  } catch (err) {
    report(io, flags, err);
    return EXIT.usage;
  }
  const controller = new AbortController();
  let interrupts = 0;
  // Ctrl-C, and SIGTERM from systemd, `docker stop` or `timeout`: the first stops cleanly (session
  // aborted, or kept for resume); a second one leaves at once.
  const onSignal = (signal: NodeJS.Signals) => {
    if (++interrupts > 1) process.exit(signal === "SIGTERM" ? 143 : 130);
    controller.abort(new Error(`interrupted (${signal})`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let client: BoxUploadClient | undefined;
  try {
    client = new BoxUploadClient({
      token,
      ...baseUrls(io.env, flags),
      userAgent: `box-upload/${VERSION} node/${process.versions.node}`,
      // One line per HTTP exchange: never a token, a query or a body.
      ...(flags.verbose
        ? { onRequest: (e: RequestEvent) => io.stderr.write(`${e.method} ${e.path} ${e.status || "-"} ${e.ms} ms${e.requestId ? ` request_id ${e.requestId}` : ""}\n`) }
        : {}),
    });
    return await work(client, controller.signal);
  } catch (err) {
    report(io, flags, err);
    onError?.(err);
    return exitCodeFor(err);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await client?.close();
  }
}
