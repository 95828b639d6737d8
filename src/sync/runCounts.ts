/**
 * What a run counts beside the files themselves: every byte read from a local file (what the
 * index saves shows in the summary), and a queued file's bytes in this process's meters.
 */
import type { MeteredFile } from "../core/meter";
import type { UploadPlatform } from "../upload/ports";
import type { PartReader } from "../upload/sources";
import type { FileProgress } from "./transfer";

/** The platform with every read of a local file counted. */
export function countingReads(platform: UploadPlatform, count: (bytes: number) => void): UploadPlatform {
  return {
    ...platform,
    openFile: async (path, declared) => {
      const reader: PartReader = await platform.openFile(path, declared);
      return {
        size: reader.size,
        seekable: reader.seekable,
        zeroCopy: reader.zeroCopy,
        ...(reader.fileIdentity ? { fileIdentity: reader.fileIdentity } : {}),
        ...(reader.fileTimes ? { fileTimes: reader.fileTimes } : {}),
        read: async (part, into) => {
          const bytes = await reader.read(part, into);
          count(bytes.byteLength);
          return bytes;
        },
        finish: () => reader.finish(),
        close: () => reader.close(),
      };
    },
  };
}

/** `progress`, with the bytes it is told also counted in `metered`. */
export function meteredProgress(progress: FileProgress, metered: MeteredFile): FileProgress {
  return {
    toSend: (path, size) => progress.toSend(path, size),
    sent: (path, bytesSent) => {
      metered.sent(bytesSent);
      progress.sent(path, bytesSent);
    },
  };
}
