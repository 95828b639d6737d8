/**
 * Turns what the caller hands us into a reader of parts. Buffers and blobs are read at any
 * position (no part is held longer than its upload); streams are read once, in order, into one
 * buffer per part, so memory stays at a part per slot whatever the file size. Files are opened by
 * the platform (platform/node/fileSource.ts).
 */
import { BoxInputError, SourceError } from "../core/errors";
import type { PartRange } from "../core/partPlan";

/** A path, bytes in memory, a Blob, or a stream (web or Node) whose size is given in `options.size`. */
export type UploadSource = string | Uint8Array | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

export interface PartReader {
  readonly size: number;
  /** False for streams: their parts must be read once each, in file order. */
  readonly seekable: boolean;
  /** True when read() hands out views of memory the caller already holds, so needs no buffer. */
  readonly zeroCopy: boolean;
  /** Identity of a file source, for resume: size and modification time. */
  readonly fileIdentity?: { path: string; size: number; mtimeMs: number };
  /** A file's times (epoch ms), sent to Box as its content times; its birth time only where the platform keeps one. */
  readonly fileTimes?: { modifiedMs: number; createdMs?: number };
  /**
   * The bytes of `part`. Readers that copy (files, streams) fill `into` when given, so the
   * uploader can recycle a fixed set of part buffers instead of allocating one per part.
   */
  read(part: PartRange, into?: Uint8Array): Promise<Uint8Array>;
  /** Checks that the source had exactly the declared size (streams: nothing left over). */
  finish(): Promise<void>;
  close(): Promise<void>;
}

type OpenFile = (path: string, declaredSize: number | undefined) => Promise<PartReader>;

function isWebStream(source: unknown): source is ReadableStream<Uint8Array> {
  return typeof ReadableStream !== "undefined" && source instanceof ReadableStream;
}

function isAsyncIterable(source: unknown): source is AsyncIterable<unknown> {
  return typeof source === "object" && source !== null && typeof (source as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function";
}

/** Opens the source and learns its size. Nothing is sent before this succeeds. */
export async function openSource(source: unknown, declaredSize: number | undefined, openFile: OpenFile): Promise<PartReader> {
  if (typeof source === "string") {
    if (source.length === 0) throw new BoxInputError("source", "file path must not be empty");
    return openFile(source, declaredSize);
  }
  let reader: PartReader;
  if (source instanceof Uint8Array) reader = new BytesReader(source);
  else if (typeof Blob !== "undefined" && source instanceof Blob) reader = new BlobReader(source);
  else if (isWebStream(source) || isAsyncIterable(source)) {
    if (declaredSize === undefined) {
      throw new BoxInputError("options.size", "is required when the source is a stream");
    }
    return new StreamReader(source, declaredSize);
  } else {
    throw new BoxInputError("source", "must be a file path, Uint8Array/Buffer, Blob, Readable or ReadableStream");
  }
  checkDeclared(reader.size, declaredSize);
  return reader;
}

export function checkDeclared(actual: number, declared: number | undefined): void {
  if (declared !== undefined && declared !== actual) {
    throw new BoxInputError("options.size", `is ${declared} but the source holds ${actual} bytes`);
  }
}

/** The part's slice of `into` when it is large enough, else a new buffer. */
export function partBuffer(part: PartRange, into: Uint8Array | undefined): Uint8Array {
  return into && into.byteLength >= part.size ? into.subarray(0, part.size) : new Uint8Array(part.size);
}

export function tooShort(part: PartRange, got: number): SourceError {
  return new SourceError(`source ended early: part at offset ${part.offset} needs ${part.size} bytes, only ${got} were there`);
}

class BytesReader implements PartReader {
  readonly seekable = true;
  readonly zeroCopy = true;
  readonly size: number;
  constructor(private readonly bytes: Uint8Array) {
    this.size = bytes.byteLength;
  }
  async read(part: PartRange): Promise<Uint8Array> {
    if (part.offset + part.size > this.size) throw tooShort(part, Math.max(0, this.size - part.offset));
    return this.bytes.subarray(part.offset, part.offset + part.size);
  }
  async finish(): Promise<void> {}
  async close(): Promise<void> {}
}

class BlobReader implements PartReader {
  readonly seekable = true;
  readonly zeroCopy = false;
  readonly size: number;
  constructor(private readonly blob: Blob) {
    this.size = blob.size;
  }
  /** Streams the slice into the part buffer: arrayBuffer() would allocate a second copy per part. */
  async read(part: PartRange, into?: Uint8Array): Promise<Uint8Array> {
    const buf = partBuffer(part, into);
    let filled = 0;
    const reader = this.blob.slice(part.offset, part.offset + part.size).stream().getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      if (filled + r.value.byteLength > part.size) throw new SourceError(`blob slice at ${part.offset} holds more than ${part.size} bytes`);
      buf.set(r.value, filled);
      filled += r.value.byteLength;
    }
    if (filled !== part.size) throw tooShort(part, filled);
    return buf;
  }
  async finish(): Promise<void> {}
  async close(): Promise<void> {}
}

class StreamReader implements PartReader {
  readonly seekable = false;
  readonly zeroCopy = false;
  private readonly pull: () => Promise<IteratorResult<unknown>>;
  /** Ends the stream; any read still pending settles rather than waits for data that may never come. */
  private readonly stop: () => Promise<void>;
  private leftover: Uint8Array | undefined;
  private position = 0;

  constructor(
    stream: ReadableStream<Uint8Array> | AsyncIterable<unknown>,
    readonly size: number,
  ) {
    if (isWebStream(stream)) {
      const reader = stream.getReader();
      this.pull = () => reader.read() as Promise<IteratorResult<unknown>>;
      this.stop = () => reader.cancel().catch(() => undefined);
    } else {
      const it = stream[Symbol.asyncIterator]();
      this.pull = () => it.next();
      // A Node Readable is destroyed at once; another iterable is asked to return.
      const destroy = (stream as { destroy?: () => void }).destroy;
      this.stop = async () => {
        if (typeof destroy === "function") destroy.call(stream);
        else void Promise.resolve(it.return?.()).catch(() => undefined);
      };
    }
  }

  private async nextChunk(): Promise<Uint8Array | undefined> {
    if (this.leftover) {
      const chunk = this.leftover;
      this.leftover = undefined;
      return chunk;
    }
    let next: IteratorResult<unknown>;
    try {
      next = await this.pull();
    } catch (err) {
      throw new SourceError(`source stream failed at byte ${this.position}: ${(err as Error)?.message ?? err}`, { cause: err });
    }
    if (next.done) return undefined;
    if (!(next.value instanceof Uint8Array)) {
      throw new SourceError("source stream must yield bytes (Buffer/Uint8Array), not strings or objects");
    }
    return next.value;
  }

  async read(part: PartRange, into?: Uint8Array): Promise<Uint8Array> {
    if (part.offset !== this.position) {
      throw new SourceError(`a stream can only be read in order: asked for ${part.offset} at ${this.position}`);
    }
    const buf = partBuffer(part, into);
    let filled = 0;
    while (filled < part.size) {
      const chunk = await this.nextChunk();
      if (!chunk) throw tooShort(part, filled);
      const take = Math.min(chunk.byteLength, part.size - filled);
      buf.set(take === chunk.byteLength ? chunk : chunk.subarray(0, take), filled);
      filled += take;
      if (take < chunk.byteLength) this.leftover = chunk.subarray(take);
    }
    this.position += part.size;
    return buf;
  }

  async finish(): Promise<void> {
    for (let chunk = await this.nextChunk(); chunk; chunk = await this.nextChunk()) {
      if (chunk.byteLength > 0) {
        throw new SourceError(`source stream holds more than the declared ${this.size} bytes`);
      }
    }
  }

  close(): Promise<void> {
    return this.stop();
  }
}
