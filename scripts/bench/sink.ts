/**
 * A loopback HTTP sink for the raw-PUT reference: drains every body and answers 200, so what is
 * measured on the client is the cost of moving the bytes alone. Runs in its own process; prints
 * one JSON line {"url"}; stops on SIGTERM.
 *
 *   node .build/scripts/bench/sink.js
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const server = createServer((req, res) => {
  req.resume();
  req.once("end", () => res.writeHead(200, { "content-type": "application/json", "content-length": "2" }).end("{}"));
});
server.keepAliveTimeout = 30_000;
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}/sink` })}\n`);
});
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
