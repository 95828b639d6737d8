#!/usr/bin/env node
/**
 * box-upload: the uploader from a shell. The token comes from BOX_ACCESS_TOKEN only (a flag would
 * land in shell history). Exit codes: see exitCodes.ts. Imports only the public API.
 */
import { basename } from "node:path";
import { Command, CommanderError } from "commander";
import {
  BoxApiError,
  BoxUploadClient,
  UploadAbortedError,
  VERSION,
  type BoxFile,
  type UploadOptions,
  type UploadProgress,
} from "../index";
import { AUTH_HELP } from "./env";
import { EXIT, exitCodeHelp } from "./exitCodes";
import { chunkedThreshold, planMode, sharedFlags, type SharedFlags } from "./flags";
import { printable, type Io } from "./output";
import { capOf } from "./pacing";
import { createProgressView } from "./progressView";
import { createScreen } from "./screen";
import { commandLine, shellWord, withClient } from "./command";
import { registerSync } from "./sync";
import { registerWatch } from "./watch";
import { registerWorker } from "./worker";
import { registerStatus } from "./status";

interface CommonFlags extends SharedFlags {
  resume?: string;
  name?: string;
  ifMatch?: string;
}

/** The file a 409 says holds the name, when Box named one. */
function takenBy(err: unknown): string | undefined {
  const conflict = err instanceof BoxApiError ? err.conflict : undefined;
  return conflict?.type === "file" ? conflict.id : undefined;
}

async function runUpload(
  io: Io,
  argv: string[],
  flags: CommonFlags,
  start: (client: BoxUploadClient, options: UploadOptions) => Promise<BoxFile>,
  newFile?: { path: string },
): Promise<number> {
  const screen = createScreen(io.stderr);
  const view = createProgressView(flags.quiet || flags.json ? "none" : io.stderr.isTTY ? "tty" : "lines", screen, capOf(io, flags));
  let last: UploadProgress | undefined;
  const started = Date.now();
  const hint = (err: unknown, interrupted: boolean): string[] => {
    const taken = newFile ? takenBy(err) : undefined;
    if (taken) return [`taken by file ${taken}: use box-upload version ${taken} ${shellWord(newFile!.path)} to upload a new version of it`];
    if (!interrupted && !(err instanceof UploadAbortedError)) return [];
    if (!flags.resume) return ["interrupted: nothing was committed, and the session was aborted"];
    return [`interrupted: the upload's state is kept in ${flags.resume}`, "to continue, run the same command again:", `  ${commandLine(argv)}`];
  };
  return withClient(io, flags, { screen, stopView: () => view.stop(), hint }, async ({ client, signal, onRetry }) => {
    const threshold = chunkedThreshold(io, flags);
    const file = await start(client, {
      signal,
      ...(threshold !== undefined ? { chunkedThreshold: threshold } : {}),
      onProgress: (p) => {
        last = p;
        view.update(p);
      },
      ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
      ...(flags.resume ? { resume: { path: flags.resume } } : {}),
      ...(onRetry ? { retry: { onRetry } } : {}),
      ...planMode(flags),
    });
    view.stop();
    const seconds = (Date.now() - started) / 1000;
    const planned = last?.bytesPlanned ?? 0;
    // One meaning per name (docs/cli.md): the file's size, what this run sent, what Box held already.
    const summary = {
      file,
      session_id: last?.sessionId || null,
      parts: last?.totalParts ?? 1,
      size: last?.totalBytes ?? file.size,
      bytes_sent: last?.bytesSent ?? 0,
      bytes_planned: planned,
      bytes_resumed: last?.bytesResumed ?? 0,
      plan: last?.plan ?? "none",
      seconds,
    };
    // The result is the server's text too: cleaned of our token and of control characters.
    if (flags.json) io.stdout.write(`${client.redact(JSON.stringify(summary))}\n`);
    else if (!flags.quiet) {
      const how = summary.session_id ? `session ${summary.session_id}, ${summary.parts} parts` : "one direct request";
      const lines = [`uploaded ${file.name} (${file.size} bytes) as file ${file.id} in ${seconds.toFixed(1)} s`, `sha1 ${file.sha1}`, how];
      lines.push(`sent ${summary.bytes_sent} bytes${summary.bytes_resumed ? `; ${summary.bytes_resumed} were in Box from the earlier run` : ""}`);
      if (planned > 0) lines.push(`${planned} of its bytes Box held already (upload plan): not sent`);
      io.stdout.write(lines.map((l) => `${printable(client.redact(l))}\n`).join(""));
    }
    return EXIT.ok;
  });
}

function common(cmd: Command): Command {
  return sharedFlags(cmd).option("--resume <state-file>", "record progress here; rerun the same command to continue after a crash or Ctrl-C");
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
      code = await runUpload(io, argv, flags, (client, options) =>
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
      code = await runUpload(io, argv, flags, (client, options) => client.uploadNewFile(folderId, name, path, options), { path });
    });

  registerSync(program, io, argv, (c) => (code = c));
  registerWatch(program, io, (c) => (code = c));
  registerWorker(program, io, (c) => (code = c));
  registerStatus(program, io, (c) => (code = c));

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return EXIT.ok;
      // Our own cmd.error() calls say which code; commander's parse errors are usage mistakes.
      return err.code === "commander.error" ? err.exitCode : EXIT.usage;
    }
    throw err;
  }
  return code;
}

/**
 * Exits once what was written is flushed: a command that is done does not wait for a handle a
 * dependency left open (a Redis connection still trying to reach a server that is gone), so a
 * SIGTERM'd worker ends in seconds, as promised.
 */
function exitWith(code: number): void {
  process.exitCode = code;
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => exitWith(code),
    (err) => {
      process.stderr.write(`box-upload: ${err instanceof Error ? err.message : err}\n`);
      process.exitCode = EXIT.unexpected;
    },
  );
}
