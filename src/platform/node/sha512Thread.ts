/**
 * SHA-512 of upload-plan parts on a worker thread: the part's buffer moves there and back (no
 * copy), while this thread reads the next part and SHA-1s it. Web Crypto on libuv's pool does the
 * same work but copies each part on this thread first: 119 ms per 512 MiB in a profile of the
 * planning pass, on the thread that was already the pass's limit. One thread per process, started
 * at the first planned part, and unreferenced whenever idle so it never keeps a process alive.
 */
import { Worker } from "node:worker_threads";
import { SourceError } from "../../core/errors";

const SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
parentPort.on("message", (m) => {
  let hex, error;
  try {
    hex = createHash("sha512").update(new Uint8Array(m.buffer, m.byteOffset, m.length)).digest("hex");
  } catch (err) {
    error = String(err && err.message || err);
  }
  parentPort.postMessage({ id: m.id, hex, error, buffer: m.buffer }, [m.buffer]);
});
`;

interface Reply {
  id: number;
  hex?: string;
  error?: string;
  buffer: ArrayBuffer;
}

class Sha512Thread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private ids = 0;

  /** The SHA-512 of `bytes`, whose buffer is moved to the thread: use the view returned. */
  digest(bytes: Uint8Array): { hex: Promise<string>; back: Promise<Uint8Array> } {
    const worker = this.started();
    const id = ++this.ids;
    const { byteOffset, byteLength } = bytes;
    const buffer = bytes.buffer as ArrayBuffer;
    const reply = new Promise<Reply>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    worker.ref();
    try {
      worker.postMessage({ id, buffer, byteOffset, length: byteLength }, [buffer]);
    } catch (err) {
      // Never sent: nothing will answer it, and an idle thread must not keep the process alive.
      this.pending.delete(id);
      if (this.pending.size === 0) worker.unref();
      throw new SourceError(`the SHA-512 thread could not take a part: ${(err as Error)?.message ?? err}`);
    }
    const back = reply.then((r) => new Uint8Array(r.buffer, byteOffset, byteLength));
    const hex = reply.then((r) => {
      if (r.hex === undefined) throw new SourceError(`hashing the source failed: ${r.error ?? "no digest"}`);
      return r.hex;
    });
    return { hex, back };
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(SOURCE, { eval: true });
    worker.on("message", (r: Reply) => {
      const waiting = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (this.pending.size === 0) worker.unref();
      waiting?.resolve(r);
    });
    const fail = (err: unknown) => {
      if (this.worker === worker) this.worker = undefined;
      const waiting = [...this.pending.values()];
      this.pending.clear();
      for (const w of waiting) w.reject(new SourceError(`the SHA-512 thread failed: ${(err as Error)?.message ?? err}`));
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`it exited with ${code}`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

let thread: Sha512Thread | undefined;

/** The process's SHA-512 thread. */
export function sha512Thread(): Pick<Sha512Thread, "digest"> {
  return (thread ??= new Sha512Thread());
}
