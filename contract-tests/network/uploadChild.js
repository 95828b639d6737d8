// One upload with the built package (dist/, which jest's global setup builds), in a process of its
// own so that HTTPS_PROXY, NO_PROXY and NODE_EXTRA_CA_CERTS are read as in real use: at start.
// Prints one JSON line: the committed and the local SHA-1, or the error as a caller sees it.
const { createHash } = require("node:crypto");
const { inspect } = require("node:util");

const { dist, baseUrl, token, size, name, clientOptions } = JSON.parse(process.env.NETWORK_CHILD);
const { BoxUploadClient, BoxUploadError } = require(dist);
const data = Buffer.alloc(size);
for (let i = 0; i < size; i++) data[i] = (i * 31 + 7) & 0xff;

// Chunked even for small files; one try, so that failures show at once.
const client = new BoxUploadClient({ token, baseUrl, uploadDefaults: { chunkedThreshold: 1 }, ...clientOptions });
client
  .uploadNewFile("0", name, data, { retry: { maxAttempts: 1 } })
  .then(
    (file) => ({ ok: true, sha1: file.sha1, localSha1: createHash("sha1").update(data).digest("hex") }),
    (err) => {
      const codes = [];
      for (let e = err; e && typeof e === "object" && codes.length < 5; e = e.cause) codes.push(e.code);
      return {
        ok: false,
        name: err?.name,
        typed: err instanceof BoxUploadError,
        status: err?.status,
        code: err?.code,
        codes,
        message: String(err?.message),
        inspected: inspect(err, { depth: 10 }),
      };
    },
  )
  .then(async (result) => {
    await client.close();
    process.stdout.write(`${JSON.stringify(result)}\n`);
  });
