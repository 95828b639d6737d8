/**
 * The measurement every client runner reports, taken inside its own process the way
 * scripts/bench/uploadFile.ts does: wall time and CPU of the upload alone, and the process's peak RSS.
 */

/** One line of JSON, the same shape scripts/bench/uploadFile.js prints. */
export interface ClientResult {
  seconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
  /** SHA-1 of the committed file as the server reported it. */
  sha1: string | undefined;
  size: number | undefined;
}

export async function measure(work: () => Promise<{ sha1?: string; size?: number }>): Promise<ClientResult> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const file = await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return {
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    // maxRSS is in KiB and covers the whole life of the process, like uploadFile.js reports it.
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    sha1: file.sha1,
    size: file.size,
  };
}

/** Runs a script's main: prints its JSON result on one line, or the error and exit code 1. */
export function runMain(main: () => Promise<unknown>): void {
  main().then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      // Clients may leave keep-alive sockets or timers behind; the measurement is already taken.
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
      process.exit(1);
    },
  );
}
