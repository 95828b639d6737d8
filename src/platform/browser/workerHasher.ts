/**
 * The page's side of the SHA-1 worker: one worker per client, started at the first upload, and
 * one PartHasher per upload. A part's buffer is transferred to the worker and back (moved, not
 * copied); bytes the caller still owns (a Uint8Array source is read without a copy) are copied
 * first, since transferring them would detach the caller's own buffer.
 */
import type { PartHasher } from "../../core/digest";
import { SourceError } from "../../core/errors";
import type { HashReply, HashRequest } from "./hashProtocol";

/** Messages without their id, which `call` assigns (distributed over the union's members). */
type Unnumbered<T> = T extends unknown ? Omit<T, "id"> : never;

export class Sha1Worker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { resolve: (r: HashReply) => void; reject: (e: SourceError) => void }>();
  private ids = 0;
  private streams = 0;

  constructor(private readonly spawn: () => Worker) {}

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = this.spawn();
    worker.onmessage = (event: MessageEvent<HashReply>) => {
      const waiting = this.pending.get(event.data.id);
      this.pending.delete(event.data.id);
      waiting?.resolve(event.data);
    };
    // A worker that cannot load (a wrong URL, a Content-Security-Policy without worker-src or
    // wasm-unsafe-eval) fails every hash in flight; the next upload starts a new one.
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault?.();
      this.fail(new SourceError(`the SHA-1 worker failed: ${event.message || "it could not be loaded"}`));
    };
    this.worker = worker;
    return worker;
  }

  private fail(error: SourceError): void {
    this.worker?.terminate();
    this.worker = undefined;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const w of waiting) w.reject(error);
  }

  private call(message: Unnumbered<HashRequest>, transfer: Transferable[] = []): Promise<HashReply> {
    const worker = this.started();
    const id = ++this.ids;
    return new Promise<HashReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...message, id } as HashRequest, transfer);
    });
  }

  /** A hasher for one upload: parts in file order, then the whole file's digest. */
  hasher(): PartHasher {
    const stream = ++this.streams;
    const send = async (offset: number, bytes: Uint8Array, transfer: boolean, own: boolean, sha512 = false) => {
      const sent = transfer ? bytes : bytes.slice();
      // Read before the transfer: a detached view reports offset and length 0.
      const { byteOffset, byteLength } = sent;
      const buffer = sent.buffer as ArrayBuffer;
      const reply = await this.call({ op: "part", stream, offset, buffer, byteOffset, length: byteLength, own, sha512 }, [buffer]);
      const back = transfer && reply.buffer ? new Uint8Array(reply.buffer, byteOffset, byteLength) : bytes;
      if (reply.error !== undefined) throw new SourceError(`hashing the source failed: ${reply.error}`);
      return { sha1: reply.sha1, sha512: reply.sha512, bytes: back };
    };
    return {
      part: async (offset, bytes, transfer, withSha512) => {
        const { sha1, sha512, bytes: back } = await send(offset, bytes, transfer, true, withSha512);
        if (withSha512 ? sha512 === undefined : sha1 === undefined) throw new SourceError("the hash worker gave no digest");
        return withSha512 ? { sha512: Promise.resolve(sha512!), bytes: back } : { sha1: sha1!, bytes: back };
      },
      feed: async (offset, bytes, transfer) => (await send(offset, bytes, transfer, false)).bytes,
      whole: async () => {
        const reply = await this.call({ op: "whole", stream });
        if (reply.error !== undefined || reply.sha1 === undefined) throw new SourceError(reply.error ?? "the SHA-1 worker gave no digest");
        return reply.sha1;
      },
      close: () => {
        if (this.worker) void this.call({ op: "drop", stream }).catch(() => undefined);
      },
    };
  }

  terminate(): void {
    this.fail(new SourceError("the client was closed while hashing"));
  }
}
