/** The CLI's exit codes: one table, which both the code and `--help` read. */
import {
  BoxApiError,
  BoxInputError,
  BoxNetworkError,
  BoxProtocolError,
  CommitUncertainError,
  SourceError,
  UploadAbortedError,
} from "../index";

export const EXIT = { ok: 0, unexpected: 1, usage: 2, api: 3, interrupted: 4, input: 5, uncertain: 6, network: 7, partial: 8, window: 9 } as const;

const MEANING: Record<keyof typeof EXIT, string> = {
  ok: "ok",
  unexpected: "other",
  usage: "usage",
  api: "Box API or protocol error",
  interrupted: "interrupted",
  input: "bad source or input",
  uncertain: "commit outcome unknown",
  network: "network failure after retries",
  partial: "sync finished but some files failed (the rest are in Box)",
  window: "sync stopped at its window (--max-duration, --max-transfer): the rest is for the next run",
};

/** "0 ok, 2 usage, …" in code order, for the help text. */
export function exitCodeHelp(): string {
  return (Object.keys(EXIT) as (keyof typeof EXIT)[])
    .sort((a, b) => EXIT[a] - EXIT[b])
    .map((k) => `${EXIT[k]} ${MEANING[k]}`)
    .join(", ");
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof UploadAbortedError) return EXIT.interrupted;
  if (err instanceof CommitUncertainError) return EXIT.uncertain;
  if (err instanceof BoxInputError || err instanceof SourceError) return EXIT.input;
  if (err instanceof BoxApiError || err instanceof BoxProtocolError) return EXIT.api;
  if (err instanceof BoxNetworkError) return EXIT.network;
  return EXIT.unexpected;
}
