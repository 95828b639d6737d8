// One upload with the built package (dist/, which jest's global setup builds), in a process of its
// own: so that a test can kill it mid-way (SIGKILL, then resume from its state file), and so that
// HTTPS_PROXY, NO_PROXY and NODE_EXTRA_CA_CERTS are read as in real use, at start.
//
//   node uploadChild.js '<JSON config>'
//
// Config: baseUrl, token; fileId (a new version) or name [and folderId, default "0"] (a new file);
// path (a file on disk) or size (that many bytes of a fixed pattern); options (the upload's, e.g.
// concurrency, retry, resume); clientOptions. The client sends even small files in chunked
// sessions (chunkedThreshold 1) unless clientOptions say otherwise.
// Prints one JSON line and exits 0: the committed and the local SHA-1, or the error as a caller
// sees it (name, whether it is a BoxUploadError, status, code and the codes of its causes).
const { createHash } = require("node:crypto");
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const { inspect } = require("node:util");

const config = JSON.parse(process.argv[2]);
const { BoxUploadClient, BoxUploadError } = require(join(__dirname, "..", "..", "..", "dist", "src", "index.js"));

function pattern(size) {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + 7) & 0xff;
  return data;
}

const local = config.path ? readFileSync(config.path) : pattern(config.size);
const source = config.path ?? local;
const client = new BoxUploadClient({ token: config.token, baseUrl: config.baseUrl, uploadDefaults: { chunkedThreshold: 1 }, ...config.clientOptions });
const upload = config.fileId
  ? client.uploadNewVersion(config.fileId, source, config.options)
  : client.uploadNewFile(config.folderId ?? "0", config.name, source, config.options);
upload
  .then(
    (file) => ({ ok: true, sha1: file.sha1, localSha1: createHash("sha1").update(local).digest("hex") }),
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
