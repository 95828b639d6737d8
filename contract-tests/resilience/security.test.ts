/** The token stays secret, and a hostile or broken server cannot make the client misbehave. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { BoxApiError, BoxUploadClient } from "../../src";
import { PART, startHarness, type Harness } from "../support/harness";
import { DEFAULT_TOKEN } from "../support/localBox/server";
import { bytesOf } from "../support/random";
import { rejectionOf } from "../support/checks/rejection";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function leaks(value: unknown, secret: string): boolean {
  const e = value as Error;
  return JSON.stringify({ value, message: e?.message, stack: e?.stack, cause: String(e?.cause) }).includes(secret);
}

test("a server that echoes the Authorization header does not get the token into the error", async () => {
  h = await startHarness({
    before: (ctx) => ({
      status: 400,
      body: { type: "error", status: 400, code: "bad_request", message: `you sent ${ctx.headers.authorization}`, context_info: { header: ctx.headers.authorization } },
    }),
  });
  const file = h.server.addFile("echo.bin");
  const err = await rejectionOf(h.client.uploadNewVersion(file.id, bytesOf(PART)), BoxApiError);
  expect(err.message).toContain("[redacted]");
  expect(leaks(err, DEFAULT_TOKEN)).toBe(false);
});

test("a wrong token gives a 401 BoxApiError without the token in it", async () => {
  h = await startHarness({}, { token: "wrong-secret-token" });
  const file = h.server.addFile("auth.bin");
  const err = await rejectionOf(h.client.uploadNewVersion(file.id, bytesOf(PART)));
  expect(err).toMatchObject({ name: "BoxApiError", status: 401, code: "unauthorized" });
  expect(leaks(err, "wrong-secret-token")).toBe(false);
});

describe("response bodies are capped when read", () => {
  // The server streams a body that never ends: a client that read it whole would never return.
  async function endless(status: number): Promise<unknown> {
    const server = createServer((_req, res) => {
      res.writeHead(status, { "content-type": "application/json" });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = () => {
        while (res.write(chunk));
      };
      res.on("drain", pump);
      pump();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const client = new BoxUploadClient({ token: DEFAULT_TOKEN, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/2.0`, uploadDefaults: { chunkedThreshold: 1 } });
    try {
      return await rejectionOf(client.api.getUploadSession("ABC"));
    } finally {
      await client.close();
      server.closeAllConnections();
      server.close();
    }
  }

  test("an endless error body ends as a short BoxApiError", async () => {
    const err = await endless(500);
    expect(err).toMatchObject({ name: "BoxApiError", status: 500 });
    expect((err as Error).message.length).toBeLessThan(1000);
  });

  test("an endless success body is refused as a protocol error", async () => {
    expect(await endless(200)).toMatchObject({ name: "BoxProtocolError", message: expect.stringMatching(/response body over/) });
  });
});

test("session_endpoints pointing at another origin never receive the token", async () => {
  let otherOriginRequests = 0;
  const decoy = await startHarness({ before: () => { otherOriginRequests++; return undefined; } });
  try {
    h = await startHarness({ sessionEndpointsBaseUrl: decoy.server.baseUrl });
    const file = h.server.addFile("endpoints.bin");
    await h.client.uploadNewVersion(file.id, bytesOf(2 * PART));
    expect(otherOriginRequests).toBe(0);
  } finally {
    await decoy.close();
  }
});

test("plain http to a non-loopback host is refused before any request", () => {
  expect(() => new BoxUploadClient({ token: "t", baseUrl: "http://upload.box.com/api/2.0" })).toThrow(/https/);
});
