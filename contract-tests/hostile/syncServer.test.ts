/**
 * Folder sync against a server that leaves things out or echoes secrets: a listing without SHA-1s
 * must not turn identical files into new versions, and no failure, event or summary may carry
 * the token, even when the server puts it in its error text.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BoxUploadClient, type SyncEvent } from "../../src";
import { DEFAULT_TOKEN, LocalBoxServer, type BoxServerOptions } from "../support/localBox/server";
import { bytesOf } from "../support/random";
import { writeTree } from "../support/tree";
import { FAST_RETRY } from "../support/hostile";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sync-hostile-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function withServer(options: (server: () => LocalBoxServer) => BoxServerOptions, body: (server: LocalBoxServer, client: BoxUploadClient) => Promise<void>) {
  let server: LocalBoxServer | undefined;
  server = new LocalBoxServer(options(() => server!));
  await server.start();
  const client = new BoxUploadClient({ token: DEFAULT_TOKEN, baseUrl: server.baseUrl, apiBaseUrl: server.apiBaseUrl, uploadDefaults: { retry: FAST_RETRY } });
  try {
    await body(server, client);
  } finally {
    await client.close();
    await server.stop();
  }
}

test("a listing without SHA-1s: the file is read once more, identical bytes skipped, no new version", async () => {
  const root = join(dir, "nosha");
  await writeTree(root, { "same.bin": bytesOf(500, 1), "other.bin": bytesOf(500, 2) });
  await withServer(
    (server) => ({
      // The listing answers its items with name, id, type and size only.
      after: (ctx) =>
        ctx.route === "listFolderItems" && ctx.folderId
          ? { status: 200, body: { entries: server().list(ctx.folderId).map((i) => ({ type: i.type, id: i.id, name: i.name, ...(i.type === "file" ? { size: i.size } : {}) })), limit: 1000 } }
          : undefined,
    }),
    async (server, client) => {
      const dest = server.addFolder("dest");
      const same = server.addFile("same.bin", bytesOf(500, 1), dest.id);
      const other = server.addFile("other.bin", bytesOf(500, 3), dest.id);
      const summary = await client.syncFolder(root, dest.id);
      expect(summary).toMatchObject({ skipped: 1, versioned: 1, failed: 0 });
      expect(server.files.get(same.id)!.versions).toHaveLength(1);
      expect(server.files.get(other.id)!.versions).toHaveLength(2);
    },
  );
});

test("a server that echoes the token in its errors: failures, events and the summary never carry it", async () => {
  const root = join(dir, "echo");
  await writeTree(root, { "a.txt": bytesOf(10, 1), "sub/b.txt": bytesOf(10, 2) });
  await withServer(
    () => ({
      before: (ctx) =>
        ctx.route === "uploadFile" || ctx.route === "createFolder"
          ? { status: 403, body: { type: "error", status: 403, code: "access_denied", message: `token ${DEFAULT_TOKEN} may not do this (Bearer ${DEFAULT_TOKEN})` } }
          : undefined,
    }),
    async (server, client) => {
      const events: SyncEvent[] = [];
      const summary = await client.syncFolder(root, "0", { onEvent: (e) => events.push(e), retry: FAST_RETRY });
      expect(summary).toMatchObject({ failed: 2, uploaded: 0 });
      expect(summary.failures.map((f) => f.path).sort()).toEqual(["a.txt", "sub"]);
      const everything = JSON.stringify({ summary, events });
      expect(everything).toContain("access_denied");
      expect(everything).not.toContain(DEFAULT_TOKEN);
      expect(server.log.length).toBeGreaterThan(0);
    },
  );
});
