// A framework-free page: pick a file, watch the progress, get the committed file. The page's own
// server hands it a short-lived, downscoped token (GET /box-token), never the app's own token.
import { BoxUploadClient } from "box-chunked-upload";

const $ = (id) => document.getElementById(id);
const config = await (await fetch("./box-token")).json();

async function freshToken() {
  // Asked again by the client before the token expires and after a 401.
  const { accessToken, expiresIn } = await (await fetch("./box-token")).json();
  return { accessToken, expiresAt: Date.now() + expiresIn * 1000 };
}

const box = new BoxUploadClient({ token: freshToken, baseUrl: config.baseUrl, apiBaseUrl: config.apiBaseUrl });
let stop;

$("file").addEventListener("change", () => ($("go").disabled = !$("file").files.length));
$("stop").addEventListener("click", () => stop?.abort());
$("go").addEventListener("click", async () => {
  const file = $("file").files[0];
  stop = new AbortController();
  $("go").disabled = true;
  $("stop").disabled = false;
  $("result").hidden = true;
  const started = performance.now();
  try {
    const result = await box.uploadNewFile(config.folderId, file.name, file, {
      // Picking the same file again after a reload continues the same upload.
      resume: true,
      signal: stop.signal,
      onProgress: (p) => {
        $("bar").value = p.totalBytes ? p.bytesUploaded / p.totalBytes : 1;
        const mb = (n) => (n / 1e6).toFixed(1);
        $("status").textContent = `${mb(p.bytesUploaded)} of ${mb(p.totalBytes)} MB stored` + (p.bytesResumed ? ` (${mb(p.bytesResumed)} MB from before)` : "");
      },
    });
    const seconds = (performance.now() - started) / 1000;
    $("bar").value = 1;
    $("status").textContent = `Done in ${seconds.toFixed(1)} s.`;
    $("result").textContent = JSON.stringify({ id: result.id, name: result.name, size: result.size, sha1: result.sha1 }, null, 2);
    $("result").hidden = false;
  } catch (err) {
    $("status").textContent = `${err.name}: ${err.message}`;
  } finally {
    $("go").disabled = false;
    $("stop").disabled = true;
  }
});
