/**
 * What the CLI takes from the environment: where Box is, and how to authenticate. Secrets come from
 * the environment only (a flag would land in shell history and in `ps`). In order of preference:
 * BOX_ACCESS_TOKEN (a token you already have); BOX_CLIENT_ID + BOX_CLIENT_SECRET with
 * BOX_ENTERPRISE_ID or BOX_USER_ID (client credentials: unattended, renewed before expiry); or
 * BOX_CLIENT_ID + BOX_CLIENT_SECRET with BOX_REFRESH_TOKEN_FILE (a file holding a refresh token,
 * rewritten with each new one since Box rotates them on use).
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { BOX_UPLOAD_BASE_URL, BoxInputError, type TokenOption } from "../index";

export const AUTH_HELP =
  "Authentication (environment only): BOX_ACCESS_TOKEN; or BOX_CLIENT_ID, BOX_CLIENT_SECRET and BOX_ENTERPRISE_ID or BOX_USER_ID " +
  "(client credentials); or BOX_CLIENT_ID, BOX_CLIENT_SECRET and BOX_REFRESH_TOKEN_FILE (refresh token, rotated in place).";

/** The two hosts; an API host not given follows the upload host (Box's API host for Box's upload host). */
export function baseUrls(env: NodeJS.ProcessEnv, flags: { baseUrl?: string; apiBaseUrl?: string }): { baseUrl: string; apiBaseUrl?: string } {
  const apiBaseUrl = flags.apiBaseUrl ?? (env.BOX_API_BASE_URL || undefined);
  return { baseUrl: flags.baseUrl ?? (env.BOX_UPLOAD_BASE_URL || BOX_UPLOAD_BASE_URL), ...(apiBaseUrl ? { apiBaseUrl } : {}) };
}

/** Writes the new refresh token beside the old file and renames it over, mode 0600. */
async function rotateInto(path: string, token: string): Promise<void> {
  const tmp = `${path}.${randomUUID()}.tmp`;
  await writeFile(tmp, `${token}\n`, { mode: 0o600, flag: "wx" });
  await rename(tmp, path);
}

export function tokenFromEnv(env: NodeJS.ProcessEnv): TokenOption {
  if (env.BOX_ACCESS_TOKEN) return env.BOX_ACCESS_TOKEN;
  const clientId = env.BOX_CLIENT_ID;
  const clientSecret = env.BOX_CLIENT_SECRET;
  if (clientId && clientSecret && (env.BOX_ENTERPRISE_ID || env.BOX_USER_ID)) {
    if (env.BOX_ENTERPRISE_ID && env.BOX_USER_ID) throw new BoxInputError("BOX_ENTERPRISE_ID", "set BOX_ENTERPRISE_ID or BOX_USER_ID, not both");
    return {
      clientCredentials: {
        clientId,
        clientSecret,
        ...(env.BOX_ENTERPRISE_ID ? { enterpriseId: env.BOX_ENTERPRISE_ID } : { userId: env.BOX_USER_ID! }),
      },
    };
  }
  if (clientId && clientSecret && env.BOX_REFRESH_TOKEN_FILE) {
    const path = env.BOX_REFRESH_TOKEN_FILE;
    let refreshToken: string;
    try {
      refreshToken = readFileSync(path, "utf8").trim();
    } catch (err) {
      throw new BoxInputError("BOX_REFRESH_TOKEN_FILE", `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
    }
    return { refreshToken: { clientId, clientSecret, refreshToken, onRotate: (next) => rotateInto(path, next) } };
  }
  throw new BoxInputError("BOX_ACCESS_TOKEN", `no credentials in the environment. ${AUTH_HELP}`);
}
