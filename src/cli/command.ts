/**
 * What every command does around its work: credentials from the environment, one client, Ctrl-C
 * and SIGTERM turned into an abort (a second one leaves at once), retries and the --verbose
 * request log said through the command's screen, and at the end the view stopped before anything
 * else is printed: the error, then the command's hint (where the state is, how to continue) on
 * lines of their own. Errors map to an exit code; the client is closed.
 */
import { BoxApiError, BoxInputError, BoxNetworkError, BoxUploadClient, VERSION, type BoxClientOptions, type RequestEvent, type RetryEvent, type TokenOption } from "../index";
import { baseUrls, tokenFromEnv } from "./env";
import { EXIT, exitCodeFor } from "./exitCodes";
import { printable, report, type Io } from "./output";
import { pacingOptions, type PacingFlags } from "./pacing";
import type { Screen } from "./screen";
import type { Registry } from "prom-client";

type Pacer = NonNullable<BoxClientOptions["pacer"]>;

export interface ClientFlags extends PacingFlags {
  asUser?: string;
  baseUrl?: string;
  apiBaseUrl?: string;
  verbose?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export interface Session {
  client: BoxUploadClient;
  signal: AbortSignal;
  /** Says each retry on the screen (not under --quiet or --json): pass as `retry.onRetry`. */
  onRetry: ((event: RetryEvent) => void) | undefined;
}

export interface Around {
  /** Where messages go while the command runs. */
  screen: Screen;
  /** Stops the command's live view: called before any error or hint is printed. */
  stopView: () => void;
  /** Lines to print after a failure's own message (how to continue, what to do instead). */
  hint?: (err: unknown, interrupted: boolean) => string[];
  /** A pacer kept elsewhere (a queue's, shared by a fleet), made from the pacing flags instead of the client's own. */
  pacer?: (pacing: ReturnType<typeof pacingOptions>) => Pacer;
  /** Called last, whatever happened (closes what `pacer` opened). */
  close?: () => Promise<void>;
  /** Where the client counts its work (--metrics-addr). */
  metrics?: Registry;
}

/**
 * The library's arguments that hold what was typed, by the words it was typed with: a BoxInputError
 * about one of them is a usage mistake (exit 2) and names the flag or argument, not the library's
 * option. (A missing or unreadable path is bad input, exit 5.)
 */
const TYPED: Record<string, string> = {
  fileId: "<file_id>",
  folderId: "<folder_id>",
  fileName: "--name",
  "options.fileName": "--name",
  "options.ifMatch": "--if-match",
  "options.maxDelete": "--max-delete",
  "options.include": "--include",
  "options.exclude": "--exclude",
  "options.stateDir": "--state-dir",
  "options.chunkedThreshold": "--chunked-threshold",
  "options.concurrency": "--concurrency",
  "options.transfers": "--transfers",
  "options.redisWaitMs": "--redis-wait",
  asUser: "--as-user",
  "options.redis": "--queue",
};

/** A BoxInputError about something typed, as the usage mistake it is; undefined for anything else. */
export function usageMistake(err: unknown): Error | undefined {
  if (!(err instanceof BoxInputError)) return undefined;
  const typed = TYPED[err.argument];
  if (!typed) return undefined;
  const what = err.message.startsWith(`${err.argument}: `) ? err.message.slice(err.argument.length + 2) : err.message;
  return Object.assign(new Error(`${typed}: ${what}`), { name: "UsageError" });
}

/** The short cause of a retry: the network code and its detail, or Box's status and code. */
function cause(err: unknown): string {
  if (err instanceof BoxNetworkError) return err.message.replace(/^[A-Z]+ \S+: /, "");
  if (err instanceof BoxApiError) return `${err.status}${err.code ? ` ${err.code}` : ""}`;
  return err instanceof Error ? err.message : String(err);
}

export function retryLine(e: RetryEvent): string {
  const wait = e.waitMs >= 1000 ? `${Math.round(e.waitMs / 1000)} s` : `${e.waitMs} ms`;
  if (e.rateLimited) return `Box asks to slow down (${cause(e.error)}): waiting ${wait}, then going on at a lower pace`;
  return `retrying in ${wait} (${e.attempt}/${e.maxAttempts}): ${cause(e.error)}`;
}

export async function withClient(io: Io, flags: ClientFlags, around: Around, work: (session: Session) => Promise<number>): Promise<number> {
  let token: TokenOption;
  let pacing: ReturnType<typeof pacingOptions> | { pacer: Pacer };
  let asUser: string | undefined;
  try {
    token = tokenFromEnv(io.env);
    pacing = pacingOptions(io.env, flags);
    if (around.pacer) pacing = { pacer: around.pacer(pacing) };
    asUser = flags.asUser ?? (io.env.BOX_AS_USER || undefined);
    if (asUser !== undefined && !/^\d+$/.test(asUser)) throw new BoxInputError("BOX_AS_USER", "must be a Box user ID (digits only)");
  } catch (err) {
    around.stopView();
    report(io, flags, err);
    await around.close?.();
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
  const say = (line: string) => around.screen.say(client ? printable(client.redact(line)) : printable(line));
  // What a dependency prints on its own (ioredis warns once per connection) goes through the one
  // screen, once per distinct line, cleaned like every other line: never over a live view, never
  // five times, never with a secret.
  const said = new Set<string>();
  const original = { warn: console.warn, error: console.error };
  const relay = (...args: unknown[]) => {
    const line = args.map((a) => (a instanceof Error ? a.message : String(a))).join(" ").split("\n")[0]!;
    if (!said.has(line) && !flags.json && !flags.quiet) say(line);
    said.add(line);
  };
  console.warn = relay;
  console.error = relay;
  try {
    client = new BoxUploadClient({
      token,
      ...baseUrls(io.env, flags),
      ...pacing,
      ...(asUser ? { asUser } : {}),
      ...(around.metrics ? { metrics: around.metrics } : {}),
      userAgent: `box-upload/${VERSION} node/${process.versions.node}`,
      // One line per HTTP exchange: never a token, a query or a body.
      ...(flags.verbose ? { onRequest: (e: RequestEvent) => say(`${e.method} ${e.path} ${e.status || "-"} ${e.ms} ms${e.requestId ? ` request_id ${e.requestId}` : ""}`) } : {}),
    });
    // A 429 holds every request of its kind, so sixteen transfers meet it together: say it once a while.
    let limitedSaid = 0;
    const onRetry =
      flags.quiet || flags.json
        ? undefined
        : (e: RetryEvent) => {
            if (e.rateLimited && Date.now() - limitedSaid < 10_000) return;
            if (e.rateLimited) limitedSaid = Date.now();
            say(retryLine(e));
          };
    const code = await work({ client, signal: controller.signal, onRetry });
    around.stopView();
    return code;
  } catch (err) {
    around.stopView();
    const usage = usageMistake(err);
    if (usage) {
      report(io, flags, usage);
      return EXIT.usage;
    }
    report(io, flags, err);
    if (!flags.json) for (const line of around.hint?.(err, controller.signal.aborted) ?? []) io.stderr.write(`${printable(client ? client.redact(line) : line)}\n`);
    return exitCodeFor(err);
  } finally {
    console.warn = original.warn;
    console.error = original.error;
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await client?.close();
    await around.close?.();
  }
}

/** An argument as a POSIX shell reads it back: as it is when plain, else single-quoted. */
export function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

/** The command line that was run, to print as the way to continue. */
export function commandLine(argv: string[]): string {
  return ["box-upload", ...argv].map(shellWord).join(" ");
}
