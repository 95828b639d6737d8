/**
 * A TCP server for answers that are not HTTP, or not HTTP that node:http would write: a status
 * code outside 100-599, bytes that are no status line at all. It reads each request head and hands
 * the socket to `onRequest`, which writes whatever bytes it likes (or none). Listens on 127.0.0.1
 * port 0; closed by closeAll().
 */
import { createServer, type AddressInfo, type Socket } from "node:net";
import { registerCleanup } from "./process/cleanup";

export interface RawServer {
  url: string;
  /** Connections accepted so far. */
  connections: number;
  /** Request heads received so far. */
  requests: number;
}

export async function rawServer(onRequest: (socket: Socket, head: string, n: number) => void): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const info: RawServer = { url: "", connections: 0, requests: 0 };
  const server = createServer((socket) => {
    info.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let buffered = "";
    socket.on("data", (d) => {
      buffered += d.toString("latin1");
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = buffered.slice(0, end);
      buffered = "";
      onRequest(socket, head, info.requests++);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  info.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  registerCleanup(
    () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  );
  return info;
}
