/** The messages between the page and the SHA-1 worker (sha1Worker.ts, workerHasher.ts). */

export type HashRequest =
  /** Feeds the bytes at `offset` to upload `stream`'s whole-file digest; `own`: also digest them alone. */
  | { id: number; op: "part"; stream: number; offset: number; buffer: ArrayBuffer; byteOffset: number; length: number; own: boolean }
  /** The whole-file digest of `stream`, which then ends. */
  | { id: number; op: "whole"; stream: number }
  | { id: number; op: "drop"; stream: number };

export interface HashReply {
  id: number;
  sha1?: string;
  /** The part's buffer, transferred back. */
  buffer?: ArrayBuffer;
  error?: string;
}

/** SHA-1 off the calling thread for one upload: parts in file order, then the whole file's digest. */
export interface PartHasher {
  /**
   * Adds the bytes at `offset` to the whole-file digest; with `own`, also returns their own SHA-1.
   * With `transfer` the bytes' buffer travels to the worker and back: use the returned view.
   */
  part(offset: number, bytes: Uint8Array, how: { own: boolean; transfer: boolean }): Promise<{ sha1: string | undefined; bytes: Uint8Array }>;
  whole(): Promise<string>;
  close(): void;
}
