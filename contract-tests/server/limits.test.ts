/** The local Box server's rate limits: per user, over a sliding window, a 429 with Retry-After, the refused body read and counted. */
import { LocalBoxServer } from "../support/localBox/server";

let server: LocalBoxServer;
beforeAll(async () => {
  server = new LocalBoxServer({ token: () => true, rateLimits: { uploadsPerMinute: 120, callsPerMinute: 240, windowMs: 1000 } });
  await server.start();
});
afterAll(() => server.stop());

const preflight = (token: string, asUser?: string) =>
  fetch(`${server.apiBaseUrl}/files/content`, {
    method: "OPTIONS",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...(asUser ? { "as-user": asUser } : {}) },
    body: JSON.stringify({ name: `n${Math.random()}`, size: 1, parent: { id: "0" } }),
  });
const upload = (token: string, bytes: number) =>
  fetch(`${server.baseUrl}/files/upload_sessions`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ folder_id: "0", file_size: 30_000_000, file_name: `f${Math.random()}.bin`, pad: "x".repeat(bytes) }),
  });

test("per user and per kind: a window's budget (scaled from a minute), then 429 rate_limit_exceeded with Retry-After", async () => {
  // 240 calls a minute over a 1 s window: 4 calls a second for each user.
  const statuses = [];
  for (let i = 0; i < 6; i++) statuses.push((await preflight("user-a")).status);
  expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  const refused = await preflight("user-a");
  expect(refused.status).toBe(429);
  expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  expect(await refused.json()).toMatchObject({ type: "error", status: 429, code: "rate_limit_exceeded" });
  // Another user (another token, or As-User) has a budget of its own; uploads have theirs.
  expect((await preflight("user-b")).status).toBe(200);
  expect((await preflight("user-a", "777")).status).toBe(200);
  expect((await upload("user-a", 10)).status).toBe(201);
});

test("the window slides: after it, the budget is there again; a refused body is read and counted", async () => {
  await new Promise((r) => setTimeout(r, 1100));
  // 120 uploads a minute over 1 s: 2 a second.
  expect((await upload("user-c", 10)).status).toBe(201);
  expect((await upload("user-c", 10)).status).toBe(201);
  const before = server.limitStats!.refusedBodyBytes;
  const third = await upload("user-c", 50_000);
  expect(third.status).toBe(429);
  expect(server.limitStats!.refusedBodyBytes - before).toBeGreaterThan(50_000);
  await new Promise((r) => setTimeout(r, 1100));
  expect((await upload("user-c", 10)).status).toBe(201);
  expect(server.limitStats!.refused.upload).toBeGreaterThanOrEqual(1);
});
