/**
 * The local Box server and the client as the hostile tests use them: a server for small chunked
 * uploads (parts of PART bytes, no minimum size) that accepts TOKEN, reads each body before its
 * fault hooks run (they may answer anything: see localBox/rawFaults.ts), and holds file FILE_ID
 * to upload versions of; a client with short timeouts and quick retries. Both are closed by
 * closeAll() in afterEach.
 */
import { randomBytes } from "node:crypto";
import { BoxUploadClient } from "../../src";
import { LocalBoxServer, type BoxServerOptions } from "./localBox/server";
import { registerCleanup } from "./process/cleanup";
import { arrivalsAt, type RouteMatch } from "./serverLog";

export const TOKEN = "hostile-secret-token-1234";
export const PART = 1024;
/** The file the tests upload new versions of. */
export const FILE_ID = "123";

/** Retries that are quick but real: a few tries, millisecond backoff, a deadline well inside a test. */
export const FAST_RETRY = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 10_000 };

/** Upload options that keep even a 1-byte file on the chunked path (see clientFor). */
export const CHUNKED: object = { chunkedThreshold: 1 };
/** The same for the CLI: its small test files go through chunked sessions. */
export const CHUNKED_ENV = { BOX_CHUNKED_THRESHOLD: "1" };

/** Started; `fileIds` are the files it holds besides (each with one empty version). */
export async function hostileBox(options: BoxServerOptions = {}, fileIds: string[] = [FILE_ID]): Promise<LocalBoxServer> {
  const box = new LocalBoxServer({ token: TOKEN, minFileSize: 1, partSizeFor: () => PART, bufferBodies: true, ...options });
  await box.start();
  for (const id of fileIds) box.addFile(`file-${id}.bin`, Buffer.alloc(0), "0", { id });
  registerCleanup(() => box.stop());
  return box;
}

/** How many requests to `route` reached `box`, answered or not. */
export function count(box: LocalBoxServer, route: RouteMatch): number {
  return arrivalsAt(box, route).length;
}

type ClientOptions = Record<string, unknown>;

/**
 * A client for `baseUrl` with short timeouts; closed by closeAll(). Options go in untyped so the
 * same test files also compile against older trees that lack some of them (they are then ignored).
 */
export function clientFor(baseUrl: string, extra: ClientOptions = {}): BoxUploadClient {
  // Unpaced unless a test says otherwise: these servers keep no rate limits.
  const options = { token: TOKEN, baseUrl, timeouts: { requestMs: 3000, idleMs: 2000 }, ...(extra.pacer || extra.rateLimits ? {} : { rateLimits: "off" }), ...extra };
  const client = new BoxUploadClient(options as unknown as ConstructorParameters<typeof BoxUploadClient>[0]);
  // These tests are about chunked sessions, with files of a few KiB: where the client sends small
  // files in one direct request, a threshold of 1 byte keeps them chunked (ignored where it does not).
  const version = client.uploadNewVersion.bind(client);
  const file = client.uploadNewFile.bind(client);
  client.uploadNewVersion = (fileId, source, opts) => version(fileId, source, { ...CHUNKED, ...opts });
  client.uploadNewFile = (folderId, name, source, opts) => file(folderId, name, source, { ...CHUNKED, ...opts });
  registerCleanup(() => client.close());
  return client;
}

export function data(size: number): Buffer {
  return randomBytes(size);
}
