/**
 * The body of Box's direct upload: multipart/form-data with the `attributes` part before the
 * `file` part (Box reads the attributes first and refuses them after the file). The file's bytes
 * are read from the source in slices as the body is sent, never held whole; the length is known
 * up front, so the request carries an exact Content-Length.
 */
import type { StreamedBody } from "./transport";

/** What the file part is read from: a size, and any slice of it on demand. */
export interface ByteSource {
  readonly size: number;
  read(offset: number, size: number): Promise<Uint8Array>;
}

export interface MultipartBody extends StreamedBody {
  readonly contentType: string;
  /** How many of the first `sent` bytes of the body are the file's own (the wrapper around it is not). */
  fileBytes(sent: number): number;
}

/** Slices read per step while sending the file part. */
const SLICE = 1024 * 1024;

export function multipartUpload(attributes: Record<string, unknown>, fileName: string, reader: ByteSource): MultipartBody {
  const boundary = `box-upload-${crypto.randomUUID()}`;
  const encoder = new TextEncoder();
  const safeName = fileName.replace(/["\\\r\n%]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
  const head = encoder.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="attributes"\r\nContent-Type: application/json\r\n\r\n` +
      `${JSON.stringify(attributes)}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${safeName}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.byteLength + reader.size + tail.byteLength,
    fileBytes: (sent) => Math.min(reader.size, Math.max(0, sent - head.byteLength)),
    async *chunks() {
      yield head;
      for (let offset = 0; offset < reader.size; offset += SLICE) {
        yield await reader.read(offset, Math.min(SLICE, reader.size - offset));
      }
      yield tail;
    },
  };
}
