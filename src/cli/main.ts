#!/usr/bin/env node
/**
 * box-upload: the uploader from a shell. The token comes from BOX_ACCESS_TOKEN only (a flag would
 * land in shell history). Exit codes: see exitCodes.ts. Imports only the public API.
 */
import { basename } from "node:path";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import {
  BoxApiError,
  BoxInputError,
  BoxNetworkError,
  BoxUploadClient,
  BOX_API_BASE_URL,
  BOX_UPLOAD_BASE_URL,
  CHUNKED_MIN_SIZE,
  CommitUncertainError,
  DEFAULT_CONCURRENCY,
  MAX_CONCURRENCY,
  UploadAbortedError,
  VERSION,
  type BoxFile,
  type RequestEvent,
  type TokenOption,
  type UploadOptions,
  type UploadProgress,
} from "../index";
import { AUTH_HELP, baseUrls, tokenFromEnv } from "./env";
import { EXIT, exitCodeFor, exitCodeHelp } from "./exitCodes";
import { createProgressView } from "./progressView";

interface CommonFlags {
  baseUrl?: string;
  apiBaseUrl?: string;
  verbose?: boolean;
  chunkedThreshold?: number;
  resume?: string;
  json?: boolean;
  quiet?: boolean;
  concurrency?: number;
  name?: string;
  ifMatch?: string;
}

function thresholdFlag(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || !Number.isSafeInteger(n)) throw new InvalidArgumentError("must be a whole number of bytes >= 1");
  return n;
}

function concurrencyFlag(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_CONCURRENCY) throw new InvalidArgumentError(`must be a whole number from 1 to ${MAX_CONCURRENCY}`);
  return n;
}

/** Server-chosen text (a file name) printed to a terminal: control characters shown, not obeyed. */
function printable(text: unknown): string {
  return String(text).replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function errorJson(err: unknown): Record<string, unknown> {
  const e = err as Error;
  const out: Record<string, unknown> = { name: e?.name ?? "Error", message: e?.message ?? String(err) };
  if (err instanceof BoxApiError) {
    Object.assign(out, { status: err.status, code: err.code, request_id: err.requestId, context_info: err.contextInfo ?? null });
  }
  if (err instanceof BoxNetworkError) out.code = err.code;
  if (err instanceof CommitUncertainError) Object.assign(out, { session_id: err.sessionId, sha1: err.sha1 });
  if (err instanceof BoxInputError) out.argument = err.argument;
  return out;
}

interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

async function runUpload(
  io: Io,
  flags: CommonFlags,
  start: (client: BoxUploadClient, options: UploadOptions) => Promise<BoxFile>,
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
  // aborted, or kept with --resume); a second one leaves at once.
  const onSignal = (signal: NodeJS.Signals) => {
    if (++interrupts > 1) process.exit(signal === "SIGTERM" ? 143 : 130);
    controller.abort(new Error(`interrupted (${signal})`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const view = createProgressView(flags.quiet || flags.json ? "none" : io.stderr.isTTY ? "tty" : "lines", io.stderr);
  let last: UploadProgress | undefined;
  const started = Date.now();
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
    const threshold = flags.chunkedThreshold ?? (io.env.BOX_CHUNKED_THRESHOLD ? thresholdFlag(io.env.BOX_CHUNKED_THRESHOLD) : undefined);
    const file = await start(client, {
      signal: controller.signal,
      ...(threshold !== undefined ? { chunkedThreshold: threshold } : {}),
      onProgress: (p) => {
        last = p;
        view.update(p);
      },
      ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
      ...(flags.resume ? { resume: { path: flags.resume } } : {}),
    });
    view.stop();
    const seconds = (Date.now() - started) / 1000;
    const summary = { file, session_id: last?.sessionId, parts: last?.totalParts, bytes: last?.totalBytes, seconds };
    // The result is the server's text too: cleaned of our token and of control characters.
    if (flags.json) io.stdout.write(`${client.secrets.clean(JSON.stringify(summary))}\n`);
    else if (!flags.quiet) {
      // Every value here is the server's: cleaned of our token and of control characters.
      const how = summary.session_id ? `session ${summary.session_id}  parts ${summary.parts}` : "direct upload";
      io.stdout.write(
        client.secrets.clean(`uploaded ${file.name} (${file.size} bytes) as file ${file.id} in ${seconds.toFixed(1)} s`) +
          `\n${client.secrets.clean(`sha1 ${file.sha1}  ${how}`)}\n`,
      );
    }
    return EXIT.ok;
  } catch (err) {
    view.stop();
    report(io, flags, err);
    if (err instanceof UploadAbortedError && flags.resume && !flags.json) {
      io.stderr.write(`state kept in ${flags.resume}: run the same command again to continue\n`);
    }
    return exitCodeFor(err);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await client?.close();
  }
}

function report(io: Io, flags: CommonFlags, err: unknown): void {
  if (flags.json) io.stderr.write(`${JSON.stringify({ error: errorJson(err) })}\n`);
  else io.stderr.write(`box-upload: ${printable((err as Error)?.name ?? "Error")}: ${printable((err as Error)?.message ?? err)}\n`);
}

function common(cmd: Command): Command {
  return cmd
    .option("--base-url <url>", `upload host base URL (env BOX_UPLOAD_BASE_URL; default ${BOX_UPLOAD_BASE_URL})`)
    .option("--api-base-url <url>", `API host base URL (env BOX_API_BASE_URL; default ${BOX_API_BASE_URL} for Box's upload host, else the upload host's origin + /2.0)`)
    .option("--chunked-threshold <bytes>", `files of at least this size use a chunked session (env BOX_CHUNKED_THRESHOLD; default ${CHUNKED_MIN_SIZE})`, thresholdFlag)
    .option("--verbose", "print one line per request on stderr: method, path, status, ms, Box request id")
    .option("--concurrency <n>", `parts in flight, 1-${MAX_CONCURRENCY} (default ${DEFAULT_CONCURRENCY})`, concurrencyFlag)
    .option("--resume <state-file>", "record progress here; rerun the same command to continue after a crash or Ctrl-C")
    .option("--json", "print one JSON object with the result on stdout (errors as JSON on stderr)")
    .option("--quiet", "print nothing but errors");
}

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let code: number = EXIT.ok;
  const json = argv.includes("--json");
  const program = new Command("box-upload")
    .description(`Upload files of any size to Box: parallel, resumable, verified.\n${AUTH_HELP}`)
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Under --json, usage errors are JSON like every other error.
      outputError: (s, write) =>
        write(json ? `${JSON.stringify({ error: { name: "UsageError", message: s.replace(/^error: /, "").trim() } })}\n` : s),
    })
    .addHelpText(
      "after",
      `\nExit codes: ${exitCodeHelp()}.`,
    );

  common(program.command("version").description("upload a new version of an existing file"))
    .argument("<file_id>", "id of the file to update")
    .argument("<path>", "local file to upload")
    .option("--name <new_name>", "rename the file on commit")
    .option("--if-match <etag>", "only commit if the file's etag still matches")
    .action(async (fileId: string, path: string, flags: CommonFlags) => {
      code = await runUpload(io, flags, (client, options) =>
        client.uploadNewVersion(fileId, path, {
          ...options,
          ...(flags.name !== undefined ? { fileName: flags.name } : {}),
          ...(flags.ifMatch !== undefined ? { ifMatch: flags.ifMatch } : {}),
        }),
      );
    });

  common(program.command("new").description("upload a new file into a folder"))
    .argument("<folder_id>", "id of the folder (0 is the root)")
    .argument("<path>", "local file to upload")
    .option("--name <name>", "name in Box (default: the local file's name)")
    .action(async (folderId: string, path: string, flags: CommonFlags) => {
      const name = flags.name ?? basename(path);
      code = await runUpload(io, flags, (client, options) => client.uploadNewFile(folderId, name, path, options));
    });

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === "commander.helpDisplayed" || err.code === "commander.version" ? EXIT.ok : EXIT.usage;
    }
    throw err;
  }
  return code;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`box-upload: ${err instanceof Error ? err.message : err}\n`);
      process.exitCode = EXIT.unexpected;
    },
  );
}
