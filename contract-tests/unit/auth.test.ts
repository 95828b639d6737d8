import { TokenSource } from "../../src/api/auth";
import { BoxInputError } from "../../src/core/errors";

describe("TokenSource", () => {
  test("a provider is asked once, and concurrent refreshes after a 401 share one call", async () => {
    const reasons: string[] = [];
    let n = 0;
    const tokens = new TokenSource(async ({ reason }) => {
      reasons.push(reason);
      await new Promise((r) => setTimeout(r, 10));
      return `token-${++n}`;
    });
    const [a, b] = await Promise.all([tokens.get(), tokens.get()]);
    expect([a, b]).toEqual(["token-1", "token-1"]);
    const refreshed = await Promise.all([tokens.refresh("token-1"), tokens.refresh("token-1"), tokens.refresh("token-1")]);
    expect(refreshed).toEqual(["token-2", "token-2", "token-2"]);
    expect(reasons).toEqual(["initial", "expired"]);
    // A refresh for a token that was already replaced does not ask again.
    expect(await tokens.refresh("token-1")).toBe("token-2");
    expect(reasons).toHaveLength(2);
  });

  test("a failing provider is asked again on the next call", async () => {
    let calls = 0;
    const tokens = new TokenSource(() => {
      calls++;
      if (calls === 1) throw new Error("vault unreachable");
      return "good";
    });
    await expect(tokens.get()).rejects.toThrow("vault unreachable");
    await expect(tokens.get()).resolves.toBe("good");
  });

  test("bad tokens are refused", async () => {
    expect(() => new TokenSource("")).toThrow(BoxInputError);
    expect(() => new TokenSource(42 as never)).toThrow(BoxInputError);
    await expect(new TokenSource(() => "has space").get()).rejects.toThrow(BoxInputError);
  });
});
