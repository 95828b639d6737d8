/** Runs one resumable upload in a child process, so a test can kill it with SIGKILL mid-way. */
import { BoxUploadClient } from "../../src";

const { baseUrl, token, fileId, path, statePath } = JSON.parse(process.env.UPLOAD_CHILD!) as Record<string, string>;
const client = new BoxUploadClient({ token: token!, baseUrl: baseUrl!, uploadDefaults: { chunkedThreshold: 1 } });
client
  .uploadNewVersion(fileId!, path!, { concurrency: 2, resume: { path: statePath! } })
  .then(() => process.exit(0))
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
