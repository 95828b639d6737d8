/**
 * A small streaming parser for multipart/form-data bodies (RFC 7578): fed chunk by chunk, it
 * reports each part's headers, its bytes as they arrive and its end, so a file part can be hashed
 * without being held. Enough for a test server: no nested multiparts, no header folding.
 */

export interface PartInfo {
  /** The `name` of Content-Disposition: form-data. */
  name: string | undefined;
  filename: string | undefined;
  contentType: string | undefined;
}

export interface PartSink {
  part(info: PartInfo): void;
  data(chunk: Buffer): void;
  partEnd(): void;
}

export class MultipartError extends Error {}

const CRLF = Buffer.from("\r\n");
const HEADERS_END = Buffer.from("\r\n\r\n");
const MAX_HEADERS = 16 * 1024;

/** The boundary of a multipart/form-data Content-Type, or undefined when it is not one. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType.trim())) return undefined;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

export class MultipartParser {
  /** "\r\n--boundary": every delimiter, the first too once a CRLF is put in front of the body. */
  private readonly delimiter: Buffer;
  private pending: Buffer = CRLF;
  private state: "preamble" | "afterDelimiter" | "headers" | "body" | "done" = "preamble";

  constructor(
    boundary: string,
    private readonly sink: PartSink,
  ) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
  }

  get finished(): boolean {
    return this.state === "done";
  }

  write(chunk: Buffer): void {
    if (this.state === "done") return; // the epilogue is ignored
    this.pending = this.pending.byteLength ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.step());
  }

  /** Call once the body has ended; throws when it ended before the closing delimiter. */
  end(): void {
    if (this.state !== "done") throw new MultipartError("the multipart body ends before its closing boundary");
  }

  /** Advances by one state when the pending bytes allow it; false when more bytes are needed. */
  private step(): boolean {
    const buf = this.pending;
    switch (this.state) {
      case "preamble":
      case "body": {
        const at = buf.indexOf(this.delimiter);
        if (at < 0) {
          // Keep what could be the start of a delimiter; the rest is part data (or preamble).
          const keep = Math.min(buf.byteLength, this.delimiter.byteLength - 1);
          if (this.state === "body" && buf.byteLength > keep) this.sink.data(buf.subarray(0, buf.byteLength - keep));
          this.pending = Buffer.from(buf.subarray(buf.byteLength - keep));
          return false;
        }
        if (this.state === "body") {
          if (at > 0) this.sink.data(buf.subarray(0, at));
          this.sink.partEnd();
        }
        this.pending = buf.subarray(at + this.delimiter.byteLength);
        this.state = "afterDelimiter";
        return true;
      }
      case "afterDelimiter": {
        if (buf.byteLength < 2) return false;
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          this.state = "done";
          this.pending = Buffer.alloc(0);
          return false;
        }
        // Transport padding (spaces, tabs) may follow a delimiter before its CRLF.
        let i = 0;
        while (i < buf.byteLength && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
        if (buf.byteLength - i < 2) return false;
        if (buf[i] !== 0x0d || buf[i + 1] !== 0x0a) throw new MultipartError("a boundary line is not followed by CRLF");
        // Keep the CRLF: the header block is then "\r\n<headers>\r\n\r\n", or "\r\n\r\n" when empty.
        this.pending = buf.subarray(i);
        this.state = "headers";
        return true;
      }
      case "headers": {
        const end = buf.indexOf(HEADERS_END);
        if (end < 0) {
          if (buf.byteLength > MAX_HEADERS) throw new MultipartError("a part's headers are too long");
          return false;
        }
        this.sink.part(parseHeaders(buf.subarray(2, Math.max(2, end)).toString("utf8")));
        this.pending = buf.subarray(end + HEADERS_END.byteLength);
        this.state = "body";
        return true;
      }
      case "done":
        return false;
    }
  }
}

function parseHeaders(block: string): PartInfo {
  const info: PartInfo = { name: undefined, filename: undefined, contentType: undefined };
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "content-type") info.contentType = value;
    if (key === "content-disposition") {
      const params = /^form-data\s*(;.*)?$/i.exec(value)?.[1] ?? "";
      for (const m of params.matchAll(/;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g)) {
        const k = m[1]!.toLowerCase();
        const v = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!.trim();
        if (k === "name") info.name = v;
        if (k === "filename") info.filename = v;
      }
    }
  }
  return info;
}
