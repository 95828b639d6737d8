import { TokenSource } from "../../src/api/auth";
import { Secrets } from "../../src/api/secrets";
import { BoxInputError } from "../../src/core/errors";

type Form = Record<string, string>;

describe("token renewal", () => {
  test("a token that says when it expires is renewed before, once for all callers", async () => {
    let now = 1_000_000;
    const spy = jest.spyOn(Date, "now").mockImplementation(() => now);
    try {
      const asked: string[] = [];
      const source = new TokenSource(({ reason }) => {
        asked.push(reason);
        return { accessToken: `t${asked.length}`, expiresAt: now + 3_600_000 };
      });
      expect(await source.get()).toBe("t1");
      now += 3_600_000 - 400_000; // more than 5 min left: kept
      expect(await source.get()).toBe("t1");
      now += 200_000; // under 5 min left: renewed before it runs out
      const [a, b, c] = await Promise.all([source.get(), source.get(), source.get()]);
      expect([a, b, c]).toEqual(["t2", "t2", "t2"]);
      expect(asked).toEqual(["initial", "expiring"]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("OAuth grants", () => {
  test("client credentials: the form Box expects, the expiry it states, the secret remembered", async () => {
    const forms: Form[] = [];
    const secrets = new Secrets();
    const source = new TokenSource(
      { clientCredentials: { clientId: "cid", clientSecret: "s3cr3t-value", enterpriseId: "42" } },
      secrets,
      async (form) => {
        forms.push(form);
        return { access_token: `at-${forms.length}`, expires_in: 3600 };
      },
    );
    expect(await source.get()).toBe("at-1");
    expect(forms).toEqual([{ grant_type: "client_credentials", client_id: "cid", client_secret: "s3cr3t-value", box_subject_type: "enterprise", box_subject_id: "42" }]);
    expect(await source.refresh("at-1")).toBe("at-2");
    expect(secrets.clean("x s3cr3t-value at-1 at-2")).toBe("x [redacted] [redacted] [redacted]");
  });

  test("refresh tokens rotate: each new one is used next and handed to onRotate", async () => {
    const forms: Form[] = [];
    const rotated: string[] = [];
    const source = new TokenSource(
      { refreshToken: { clientId: "cid", clientSecret: "csecret", refreshToken: "rt-0", onRotate: (t) => void rotated.push(t) } },
      new Secrets(),
      async (form) => {
        forms.push(form);
        return { access_token: `at-${forms.length}`, expires_in: 3600, refresh_token: `rt-${forms.length}` };
      },
    );
    expect(await source.get()).toBe("at-1");
    expect(await source.refresh("at-1")).toBe("at-2");
    expect(forms.map((f) => f.refresh_token)).toEqual(["rt-0", "rt-1"]);
    expect(forms[0]).toMatchObject({ grant_type: "refresh_token", client_id: "cid", client_secret: "csecret" });
    expect(rotated).toEqual(["rt-1", "rt-2"]);
  });

  test("bad grant settings are refused before any request", () => {
    const endpoint = async () => ({ access_token: "x" });
    expect(() => new TokenSource({ clientCredentials: { clientId: "a", clientSecret: "b" } }, undefined, endpoint)).toThrow(BoxInputError);
    expect(() => new TokenSource({ clientCredentials: { clientId: "a", clientSecret: "b", enterpriseId: "1", userId: "2" } }, undefined, endpoint)).toThrow(BoxInputError);
    expect(() => new TokenSource({ refreshToken: { clientId: "a", clientSecret: "", refreshToken: "r" } }, undefined, endpoint)).toThrow(BoxInputError);
    expect(() => new TokenSource({ refreshToken: { clientId: "a", clientSecret: "b", refreshToken: "r" } })).toThrow(BoxInputError);
  });
});
