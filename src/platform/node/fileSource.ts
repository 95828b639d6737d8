/** A file on disk as a part reader: read at any position, checked unchanged at the end. */
import { open, stat, type FileHandle } from "node:fs/promises";
import { BoxInputError, SourceError } from "../../core/errors";
import type { PartRange } from "../../core/partPlan";
import { checkDeclared, partBuffer, tooShort, type PartReader } from "../../upload/sources";

export class FileReader implements PartReader {
  readonly seekable = true;
  readonly zeroCopy = false;
  private constructor(
    private readonly handle: FileHandle,
    readonly size: number,
    readonly fileIdentity: { path: string; size: number; mtimeMs: number },
    readonly fileTimes: { modifiedMs: number; createdMs?: number },
  ) {}

  static async open(path: string, declared: number | undefined): Promise<FileReader> {
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new BoxInputError("source", code === "ENOENT" ? `${path} does not exist` : `cannot open ${path}: ${code ?? err}`);
    }
    const st = await handle.stat();
    if (!st.isFile()) {
      await handle.close();
      throw new BoxInputError("source", `${path} is not a regular file`);
    }
    try {
      checkDeclared(st.size, declared);
    } catch (err) {
      await handle.close();
      throw err;
    }
    // A birth time of 0 is a file system that keeps none (statx found nothing): no created time then.
    const times = { modifiedMs: st.mtimeMs, ...(st.birthtimeMs > 0 ? { createdMs: st.birthtimeMs } : {}) };
    return new FileReader(handle, st.size, { path, size: st.size, mtimeMs: st.mtimeMs }, times);
  }

  async read(part: PartRange, into?: Uint8Array): Promise<Uint8Array> {
    const buf = partBuffer(part, into);
    let filled = 0;
    while (filled < part.size) {
      const { bytesRead } = await this.handle.read(buf, filled, part.size - filled, part.offset + filled);
      if (bytesRead === 0) throw tooShort(part, filled);
      filled += bytesRead;
    }
    return buf;
  }

  async finish(): Promise<void> {
    // A file that changed while we read it would commit a version nobody ever had on disk.
    const st = await stat(this.fileIdentity.path);
    if (st.size !== this.size || st.mtimeMs !== this.fileIdentity.mtimeMs) {
      throw new SourceError(`${this.fileIdentity.path} changed during the upload (size or mtime differs)`);
    }
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
