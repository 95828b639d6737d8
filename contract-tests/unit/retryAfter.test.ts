import { parseRetryAfter } from "../../src/core/retryAfter";

test("Retry-After in seconds and as an HTTP date", () => {
  const now = Date.parse("2026-11-25T10:00:00Z");
  expect(parseRetryAfter("5", now)).toBe(5000);
  expect(parseRetryAfter(" 0 ", now)).toBe(0);
  expect(parseRetryAfter("Wed, 25 Nov 2026 10:00:30 GMT", now)).toBe(30_000);
  expect(parseRetryAfter("Wed, 25 Nov 2026 09:00:00 GMT", now)).toBe(0);
  expect(parseRetryAfter("soon", now)).toBeUndefined();
  expect(parseRetryAfter(null, now)).toBeUndefined();
});
