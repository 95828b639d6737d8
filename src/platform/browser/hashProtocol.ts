/** The messages between the page and the SHA-1 worker (sha1Worker.ts, workerHasher.ts). */

export type HashRequest =
  /** Feeds the bytes at `offset` to upload `stream`'s whole-file digest; `own`: also digest them alone, by SHA-1 (`sha512`: by SHA-512 instead, for a plan). */
  | { id: number; op: "part"; stream: number; offset: number; buffer: ArrayBuffer; byteOffset: number; length: number; own: boolean; sha512?: boolean }
  /** The whole-file digest of `stream`, which then ends. */
  | { id: number; op: "whole"; stream: number }
  | { id: number; op: "drop"; stream: number };

export interface HashReply {
  id: number;
  sha1?: string;
  sha512?: string;
  /** The part's buffer, transferred back. */
  buffer?: ArrayBuffer;
  error?: string;
}

