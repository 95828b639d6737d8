/**
 * Box's official Node SDK (box-node-sdk v10, the generated one) doing the same job, pointed at the
 * local server, measured from inside its own process. `uploadBigFile` creates a new file in a
 * folder, so this uploads into folder "0" under a name of its own. Prints one JSON line shaped
 * like scripts/bench/uploadFile.js's.
 *
 * The SDK builds `${uploadUrl}/2.0/files/upload_sessions` for the session, then follows the
 * session_endpoints the server returns for parts, listing and commit; so uploadUrl is the local
 * server's base URL without its `/2.0`.
 *
 * Over HTTPS (the bench's tls modes) nothing else is needed: the SDK sends with node-fetch v2
 * through proxy-agent's ProxyAgent, which (no proxy set) hands https:// to a plain https.Agent,
 * so TLS is Node's own with its default trust store, and NODE_EXTRA_CA_CERTS=<the local server's
 * certificate> is honoured. (That agent is not keep-alive: one TLS handshake per request.)
 *
 *   BOX_ACCESS_TOKEN=... node .build/scripts/bench/officialSdk.js --base-url URL --path FILE
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { BoxClient, BoxDeveloperTokenAuth } from "box-node-sdk";
import { measure, runMain } from "./measure";

async function main() {
  const { values } = parseArgs({ options: { "base-url": { type: "string" }, path: { type: "string" } } });
  const api = values["base-url"]!.replace(/\/2\.0\/?$/, "");
  const origin = new URL(api).origin;
  const client = new BoxClient({ auth: new BoxDeveloperTokenAuth({ token: process.env.BOX_ACCESS_TOKEN! }) }).withCustomBaseUrls({
    baseUrl: api,
    uploadUrl: api,
    oauth2Url: `${origin}/oauth2`,
  });
  const path = values.path!;
  const { size } = await stat(path);
  // Names must be unique in the folder; every run adds a file.
  const name = `sdk-${process.pid}-${Date.now()}-${basename(path)}`;
  return measure(async () => {
    // The SDK takes a stream (ByteStream is a Node Readable); a file stream is how a caller has it.
    const file = await client.chunkedUploads.uploadBigFile(createReadStream(path), name, size, "0");
    return { ...(file.sha1 ? { sha1: file.sha1 } : {}), ...(file.size !== undefined ? { size: file.size } : {}) };
  });
}

runMain(main);
