/**
 * The public API in browsers (package.json `exports` condition "browser", built by
 * scripts/build.mjs into dist/browser/index.js): the same names as the Node entry (src/index.ts)
 * but folder sync and the fleet, which are Node's, with the browser's client. Nothing in this
 * graph imports a `node:` module.
 */
export * from "./common";
export { BoxUploadClient, type BoxUploadClientOptions, type BrowserUploadOptions } from "./client/browserClient";
