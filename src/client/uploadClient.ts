/** The Node client: the shared facade with Node's pieces (node:http, files on disk, node:crypto, state files). */
import { nodeApiPlatform, nodeUploadPlatform } from "../platform/node";
import { UploadClientBase, type BoxUploadClientOptions } from "./clientBase";

export type { BoxUploadClientOptions } from "./clientBase";

export class BoxUploadClient extends UploadClientBase {
  constructor(options: BoxUploadClientOptions) {
    super(options, nodeApiPlatform, nodeUploadPlatform);
  }
}
