/**
 * spec:diff against Box's official description. The reference copy must match the fragment up to
 * documented deviations; copies altered in memory must produce the exact lines a person would read,
 * and undocumented ones must fail the run. The reference copy is openapi/reference/box-openapi.json;
 * set SPEC_DIFF_OFFICIAL to use another official copy.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { diffSpecs } from "../../scripts/specDiff/diff";
import { dereferenceDocument, readDocument } from "../../scripts/specDiff/load";
import { line, type Difference } from "../../scripts/specDiff/types";

const ROOT = join(__dirname, "..", "..");
const FRAGMENT = join(ROOT, "openapi", "box-chunked-uploads.yaml");
// The unmodified snapshot of Box's description kept in the repository (openapi/reference/SOURCE.md).
const OFFICIAL = process.env.SPEC_DIFF_OFFICIAL ?? join(ROOT, "openapi", "reference", "box-openapi.json");

const SESSIONS = "/files/upload_sessions";
const SESSION = "/files/upload_sessions/{upload_session_id}";
const COMMIT = "/files/upload_sessions/{upload_session_id}/commit";
const CONTENT = "/files/content";
const VERSION = "/files/{file_id}/content";
const FILE = "/files/{file_id}";
const TOKEN = "/oauth2/token";
const ITEMS = "/folders/{folder_id}/items";
const FOLDERS = "/folders";

/** Every deviation the fragment documents that spec:diff can see, as the run on the snapshot lists them. */
const KNOWN_DEVIATIONS = [
  "added: POST /oauth2/token#refresh: operation added (documented deviation)",
  "changed: GET /files/{file_id} response 200 body: schema changed File -> File--Full (documented deviation)",
  "changed: POST /files/{file_id}/content request body multipart/form-data.attributes: type changed string -> object (documented deviation)",
  "changed: POST /files/content request body multipart/form-data.attributes: type changed string -> object (documented deviation)",
  "changed: OPTIONS /files/content request body.size: format changed int64 -> int32 (documented deviation)",
  "changed: schema Files.entries[]: schema changed File -> File--Full (documented deviation)",
  "changed: schema ConflictError.context_info.conflicts: type changed (none) -> array (documented deviation)",
  "removed: schema ConflictError.context_info.conflicts: oneOf removed (documented deviation)",
  "added: schema ConflictError.context_info.conflicts: items schema added (documented deviation)",
  "changed: POST /folders response 201 body: schema changed Folder -> Folder--Full (documented deviation)",
  "changed: POST /folders response 409 body: schema changed FolderConflictError -> ClientError (documented deviation)",
  "removed: schema FolderConflictError: no longer defined by Box (documented deviation)",
  "changed: schema Item.oneOf[0]: schema changed File -> File--Full (documented deviation)",
  "changed: schema Item.oneOf[2]: schema changed WebLink--Mini -> WebLink (documented deviation)",
  // Ours only, until Box's description has them: the commit's attributes, and the upload plan.
  "removed: POST /files/upload_sessions/{upload_session_id}/commit request body: property attributes removed (documented deviation)",
  "removed: POST /files/upload_sessions/{upload_session_id}/plan: operation removed (documented deviation)",
  "removed: schema UploadSession.session_endpoints: property plan removed (documented deviation)",
  // The moves: File and Folder for their --Full variants, a 409 Box leaves out for files, the
  // conflict list for folders, and the body fields a move does not use.
  "changed: PUT /files/{file_id} response 200 body: schema changed File -> File--Full (documented deviation)",
  "changed: PUT /folders/{folder_id} response 200 body: schema changed Folder -> Folder--Full (documented deviation)",
  "removed: PUT /files/{file_id}: response 409 removed (documented deviation)",
  "changed: PUT /folders/{folder_id} response 409 body: schema changed FolderConflictError -> ClientError (documented deviation)",
  ...["description", "shared_link", "lock", "disposition_at", "permissions", "collections", "tags"].map(
    (p) => `added: PUT /files/{file_id} request body: property ${p} added (documented deviation)`,
  ),
  "added: PUT /files/{file_id} request body.parent: property user_id added (documented deviation)",
  ...[
    "description",
    "sync_state",
    "can_non_owners_invite",
    "shared_link",
    "folder_upload_email",
    "tags",
    "is_collaboration_restricted_to_enterprise",
    "collections",
    "can_non_owners_view_collaborators",
  ].map((p) => `added: PUT /folders/{folder_id} request body: property ${p} added (documented deviation)`),
  "added: PUT /folders/{folder_id} request body.parent: property user_id added (documented deviation)",
];

// The documents are untyped JSON that each case alters at will; typing them would only add casts.
type Json = any;

let officialRaw: Json;
let fragmentRaw: Json;
let tmp: string;

beforeAll(async () => {
  officialRaw = JSON.parse(readFileSync(OFFICIAL, "utf8"));
  fragmentRaw = await readDocument(FRAGMENT);
  tmp = mkdtempSync(join(tmpdir(), "spec-diff-test-"));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Deep-clones both documents, lets the case alter them, and diffs the results. */
async function diff(alterOfficial: (doc: Json) => void = () => {}, alterFragment: (doc: Json) => void = () => {}): Promise<Difference[]> {
  const official = structuredClone(officialRaw);
  const fragment = structuredClone(fragmentRaw);
  alterOfficial(official);
  alterFragment(fragment);
  return diffSpecs(await dereferenceDocument(fragment), await dereferenceDocument(official));
}

const undocumented = (diffs: Difference[]) => diffs.filter((d) => !d.documented).map((d) => `${d.kind}: ${line(d)}`);
const documented = (diffs: Difference[]) => diffs.filter((d) => d.documented).map((d) => `${d.kind}: ${line(d)}`);

/**
 * Runs the CLI without blocking the event loop. (spawnSync would freeze this jest worker for
 * seconds; a keep-alive socket to Prism left by a test file that ran earlier in the same worker
 * is then closed by Prism unnoticed, and the next Prism test file's first call fails with
 * "other side closed".)
 */
function runCli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/specDiff.ts", ...args], { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The lines printed under one group heading of the CLI output. */
function group(stdout: string, heading: string): string[] {
  const lines = stdout.split("\n");
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`heading ${heading} missing from:\n${stdout}`);
  const out: string[] = [];
  for (let i = start + 1; i < lines.length && lines[i]!.startsWith("  "); i++) out.push(lines[i]!.trim());
  return out;
}

function writeTemp(name: string, doc: Json): string {
  const path = join(tmp, name);
  writeFileSync(path, name.endsWith(".json") ? JSON.stringify(doc) : yaml.dump(doc));
  return path;
}

describe("spec:diff on the reference copy", () => {
  test("every difference is documented in the fragment", async () => {
    const diffs = await diff();
    expect(undocumented(diffs)).toEqual([]);
    // The structural deviations are still reported, marked as documented: exactly these.
    expect(documented(diffs).sort()).toEqual([...KNOWN_DEVIATIONS].sort());
  });

  test("the CLI prints the three groups and exits 0", async () => {
    const run = await runCli(OFFICIAL);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const lines = (kind: string) => KNOWN_DEVIATIONS.filter((l) => l.startsWith(`${kind}: `)).map((l) => l.slice(kind.length + 2));
    expect(group(run.stdout, "New in the official description:").sort()).toEqual(lines("added").sort());
    expect(group(run.stdout, "Removed from the official description:").sort()).toEqual(lines("removed").sort());
    expect(group(run.stdout, "Changed:").sort()).toEqual(lines("changed").sort());
    expect(run.stdout).toMatch(/\b0 undocumented\./);
  });

  test("the CLI without a path compares with the snapshot in the repository", async () => {
    const run = await runCli();
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout.split("\n")[0]).toBe("spec:diff: openapi/box-chunked-uploads.yaml vs openapi/reference/box-openapi.json");
    expect(run.stdout).toMatch(/\b0 undocumented\./);
  });
});

describe("spec:diff reports changes in the official description", () => {
  // Each case: what is altered in Box's copy, and the exact undocumented lines expected (no others).
  const cases: [string, (doc: Json) => void, string[]][] = [
    [
      "a status code removed",
      (doc) => delete doc.paths[SESSIONS].post.responses["403"],
      ["removed: POST /files/upload_sessions: response 403 removed"],
    ],
    [
      "a property renamed",
      (doc) => renameProperty(doc.components.schemas.UploadSession.properties, "total_parts", "total_part_count"),
      ["removed: schema UploadSession: property total_parts removed", "added: schema UploadSession: property total_part_count added"],
    ],
    [
      "a parameter made required",
      (doc) => (parameter(doc.paths[COMMIT].post, "if-match").required = true),
      ["changed: POST /files/upload_sessions/{upload_session_id}/commit: header parameter if-match is now required"],
    ],
    [
      "a parameter made optional",
      (doc) => (parameter(doc.paths[SESSION].put, "digest").required = false),
      ["changed: PUT /files/upload_sessions/{upload_session_id}: header parameter digest is now optional"],
    ],
    [
      "an enum value added to a nested schema",
      (doc) => doc.components.schemas.UploadParts.allOf[0].properties.order.items.properties.direction.enum.push("RANDOM"),
      ['added: schema UploadParts.order[].direction: enum value "RANDOM" added'],
    ],
    [
      "a response header removed",
      (doc) => delete doc.paths[COMMIT].post.responses["202"].headers["Retry-After"],
      ["removed: POST /files/upload_sessions/{upload_session_id}/commit: response 202 header Retry-After removed"],
    ],
    [
      "a property type changed",
      (doc) => (doc.components.schemas.UploadSession.properties.total_parts.type = "string"),
      ["changed: schema UploadSession.total_parts: type changed integer -> string"],
    ],
    [
      "a new operation-level parameter",
      (doc) => doc.paths[SESSION].put.parameters.push({ name: "X-Part-Number", in: "header", required: false, schema: { type: "integer" } }),
      ["added: PUT /files/upload_sessions/{upload_session_id}: header parameter X-Part-Number added"],
    ],
    [
      "a request body property made required",
      (doc) => doc.paths["/files/{file_id}/upload_sessions"].post.requestBody.content["application/json"].schema.required.push("file_name"),
      ["changed: POST /files/{file_id}/upload_sessions request body: property file_name is now required"],
    ],
    [
      "a property inherited through allOf changed (reported once, under the base)",
      (doc) => (doc.components.schemas["User--Mini"].allOf[1].properties.login.format = "uri"),
      ["changed: schema User--Mini.login: format changed email -> uri"],
    ],
    [
      "a property named `description` (an API field, not prose) changed type",
      (doc) => (doc.components.schemas.File.allOf[1].properties.description.type = "integer"),
      ["changed: schema File.description: type changed string -> integer"],
    ],
    [
      "a new chunked-upload operation",
      (doc) => (doc.paths[`${SESSION}/log`] = { get: { operationId: "get_log", tags: ["Uploads (Chunked)"], responses: { "200": { description: "ok" } } } }),
      ["added: GET /files/upload_sessions/{upload_session_id}/log: operation added"],
    ],
    [
      "an operationId changed",
      (doc) => (doc.paths[SESSIONS].post.operationId = "create_upload_session"),
      ["changed: POST /files/upload_sessions: operationId changed post_files_upload_sessions -> create_upload_session"],
    ],
    // The operations around the chunked upload: direct uploads, preflight, file info, token.
    [
      "a status code removed from the direct upload",
      (doc) => delete doc.paths[CONTENT].post.responses["409"],
      ["removed: POST /files/content: response 409 removed"],
    ],
    [
      "the version upload's if-match made required",
      (doc) => (parameter(doc.paths[VERSION].post, "if-match").required = true),
      ["changed: POST /files/{file_id}/content: header parameter if-match is now required"],
    ],
    [
      "the file part of a direct upload changes format",
      (doc) => (doc.paths[CONTENT].post.requestBody.content["multipart/form-data"].schema.properties.file.format = "byte"),
      ["changed: POST /files/content request body multipart/form-data.file: format changed binary -> byte"],
    ],
    [
      "a header parameter added to GET /files/{file_id}",
      (doc) => doc.paths[FILE].get.parameters.push({ name: "x-box-trace", in: "header", required: false, schema: { type: "string" } }),
      ["added: GET /files/{file_id}: header parameter x-box-trace added"],
    ],
    [
      "how fields is written in the query changes (explode)",
      (doc) => (parameter(doc.paths[FILE].get, "fields").explode = true),
      ["changed: GET /files/{file_id}: query parameter fields: explode changed false -> true"],
    ],
    [
      "the preflight check moves to another host",
      (doc) => (doc.paths[CONTENT].options.servers = [{ url: "https://upload.box.com/api/2.0" }]),
      ["changed: OPTIONS /files/content: server changed https://api.box.com/2.0 -> https://upload.box.com/api/2.0"],
    ],
    [
      "the token endpoint moves under /2.0",
      (doc) => (doc.paths[TOKEN].post.servers = [{ url: "https://api.box.com/2.0" }]),
      ["changed: POST /oauth2/token: server changed https://api.box.com -> https://api.box.com/2.0"],
    ],
    [
      "a preflight request body property made required",
      (doc) => (doc.paths[CONTENT].options.requestBody.content["application/json"].schema.required = ["name"]),
      ["changed: OPTIONS /files/content request body: property name is now required"],
    ],
    [
      "a token response property changes type",
      (doc) => (doc.components.schemas.AccessToken.properties.expires_in.type = "string"),
      ["changed: schema AccessToken.expires_in: type changed integer -> string"],
    ],
    [
      "a new grant type",
      (doc) => doc.components.schemas.PostOAuth2Token.properties.grant_type.enum.push("urn:box:grant-type:device_code"),
      ['added: schema PostOAuth2Token.grant_type: enum value "urn:box:grant-type:device_code" added'],
    ],
    [
      "a property added to the OAuth 2.0 error",
      (doc) => (doc.components.schemas.OAuth2Error.properties.error_uri = { type: "string" }),
      ["added: schema OAuth2Error: property error_uri added"],
    ],
    [
      "a property removed from UploadUrl",
      (doc) => delete doc.components.schemas.UploadUrl.properties.upload_token,
      ["removed: schema UploadUrl: property upload_token removed"],
    ],
    [
      "a change in FileConflict (reached only through the fragment's oneOf in ConflictError)",
      (doc) => (doc.components.schemas.FileConflict.allOf[1].properties.sha1.type = "integer"),
      ["changed: schema FileConflict.sha1: type changed string -> integer"],
    ],
    [
      "a property added to ConflictError's own context_info (an allOf member overriding its base's property)",
      (doc) => (doc.components.schemas.ConflictError.allOf[1].properties.context_info.properties.errors = { type: "array", items: { type: "object" } }),
      ["added: schema ConflictError.context_info: property errors added"],
    ],
    [
      "a member of a oneOf changes (AccessToken.restricted_to[].object is Resource)",
      (doc) => (doc.components.schemas.Resource.oneOf[1] = { $ref: "#/components/schemas/File--Full" }),
      ["changed: schema Resource.oneOf[1]: schema changed File--Mini -> File--Full"],
    ],
    [
      "a new operation tagged Uploads",
      (doc) => (doc.paths["/files/content#zip"] = { post: { operationId: "post_zip", tags: ["Uploads"], responses: { "201": { description: "ok" } } } }),
      ["added: POST /files/content#zip: operation added"],
    ],
    [
      "a new variation of the token call (same tag, path with #)",
      (doc) => (doc.paths[`${TOKEN}#jwt`] = { post: { operationId: "post_oauth2_token#jwt", tags: ["Authorization"], responses: { "200": { description: "ok" } } } }),
      ["added: POST /oauth2/token#jwt: operation added"],
    ],
    // The folder-sync operations: list a folder's items, create a folder.
    [
      "the folder listing's limit cap raised",
      (doc) => (parameter(doc.paths[ITEMS].get, "limit").schema.maximum = 5000),
      ["changed: GET /folders/{folder_id}/items query parameter limit: maximum changed 1000 -> 5000"],
    ],
    [
      "a new sort key for the folder listing",
      (doc) => parameter(doc.paths[ITEMS].get, "sort").schema.enum.push("modified_at"),
      ['added: GET /folders/{folder_id}/items query parameter sort: enum value "modified_at" added'],
    ],
    [
      "the folder listing's usemarker parameter removed",
      (doc) => (doc.paths[ITEMS].get.parameters = doc.paths[ITEMS].get.parameters.filter((p: Json) => p.name !== "usemarker")),
      ["removed: GET /folders/{folder_id}/items: query parameter usemarker removed"],
    ],
    [
      "a status code added to the folder listing",
      (doc) => (doc.paths[ITEMS].get.responses["401"] = { description: "unauthorized", content: { "application/json": { schema: { $ref: "#/components/schemas/ClientError" } } } }),
      ["added: GET /folders/{folder_id}/items: response 401 added"],
    ],
    [
      "a paging property added to Items (the listing's answer)",
      (doc) => (doc.components.schemas.Items.allOf[0].properties.page_token = { type: "string" }),
      ["added: schema Items: property page_token added"],
    ],
    [
      "a change in WebLink--Base (reached through the fragment's Item.oneOf)",
      (doc) => (doc.components.schemas["WebLink--Base"].properties.id.type = "integer"),
      ["changed: schema WebLink--Base.id: type changed string -> integer"],
    ],
    [
      "a status code added to POST /folders",
      (doc) => (doc.paths[FOLDERS].post.responses["429"] = { description: "slow down", content: { "application/json": { schema: { $ref: "#/components/schemas/ClientError" } } } }),
      ["added: POST /folders: response 429 added"],
    ],
    [
      "the new folder's name limit changes",
      (doc) => (doc.paths[FOLDERS].post.requestBody.content["application/json"].schema.properties.name.maxLength = 1024),
      ["changed: POST /folders request body.name: maxLength changed 255 -> 1024"],
    ],
    [
      "the new folder's parent id becomes optional",
      (doc) => (doc.paths[FOLDERS].post.requestBody.content["application/json"].schema.properties.parent.required = []),
      ["changed: POST /folders request body.parent: property id is now optional"],
    ],
    [
      "POST /folders moves to the upload host",
      (doc) => (doc.paths[FOLDERS].post.servers = [{ url: "https://upload.box.com/api/2.0" }]),
      ["changed: POST /folders: server changed https://api.box.com/2.0 -> https://upload.box.com/api/2.0"],
    ],
    [
      "a change in Folder (the standard folder the fragment answers 201 with)",
      (doc) => doc.components.schemas.Folder.allOf[1].properties.item_status.enum.push("archived"),
      ['added: schema Folder.item_status: enum value "archived" added'],
    ],
  ];

  test.each(cases)("%s", async (_name, alter, expected) => {
    const diffs = await diff(alter);
    expect(undocumented(diffs)).toEqual(expected);
  });

  test("operations of the Files and Authorization tags that the fragment does not use stay out of scope", async () => {
    const diffs = await diff((doc) => {
      doc.paths["/files/{file_id}/versions"] = { get: { operationId: "get_files_id_versions", tags: ["Files"], responses: { "200": { description: "ok" } } } };
      doc.paths["/oauth2/revoke"].post.responses["418"] = { description: "changed" };
      doc.paths["/files/{file_id}/copy"].post.responses["418"] = { description: "changed" };
      doc.paths["/files/{file_id}#add_shared_link"].put.responses["418"] = { description: "changed" };
    });
    expect(diffs).toEqual(await diff());
  });

  test("the moves are in scope: a change to PUT /files or PUT /folders is reported, in the trimmed body too", async () => {
    const diffs = await diff((doc) => {
      doc.paths[FILE].put.responses["418"] = { description: "changed" };
      doc.paths["/folders/{folder_id}"].put.parameters.push({ name: "X-Move-Mode", in: "header", required: false, schema: { type: "string" } });
      doc.paths[FILE].put.requestBody.content["application/json"].schema.properties.parent.allOf[0].properties.id.type = "integer";
    });
    expect(undocumented(diffs)).toEqual(["added: PUT /files/{file_id}: response 418 added", "added: PUT /folders/{folder_id}: header parameter X-Move-Mode added"]);
    // Below the body's x-deviation a change is documented, yet it is a new line: the list above fails.
    expect(documented(diffs)).toContain("changed: PUT /files/{file_id} request body.parent.id: type changed string -> integer (documented deviation)");
  });

  test("operations of the Folders tag that the fragment does not use stay out of scope", async () => {
    const diffs = await diff((doc) => {
      doc.paths["/folders/{folder_id}"].get.responses["418"] = { description: "changed" };
      doc.paths["/folders/{folder_id}/copy"].post.responses["418"] = { description: "changed" };
      doc.paths["/folders/{folder_id}#get_shared_link"].get.responses["418"] = { description: "changed" };
      doc.paths["/folders/{folder_id}/lock"] = { post: { operationId: "post_folders_id_lock", tags: ["Folders"], responses: { "200": { description: "ok" } } } };
    });
    expect(diffs).toEqual(await diff());
  });

  test("inside the multipart attributes (a string here, an object for Box) changes are reported, as documented", async () => {
    const diffs = await diff((doc) => doc.paths[CONTENT].post.requestBody.content["multipart/form-data"].schema.properties.attributes.required.push("content_created_at"));
    expect(undocumented(diffs)).toEqual([]);
    expect(documented(diffs)).toContain(
      "changed: POST /files/content request body multipart/form-data.attributes: property content_created_at is now required (documented deviation)",
    );
  });

  test("a new official ClientError code fails although code carries x-deviation (x-official-enum is compared)", async () => {
    const diffs = await diff((doc) => doc.components.schemas.ClientError.properties.code.enum.push("session_expired"));
    expect(undocumented(diffs)).toEqual(['added: schema ClientError.code: enum value "session_expired" added']);
  });

  test("descriptions, summaries, titles and examples are not compared", async () => {
    const diffs = await diff((doc) => {
      for (const path of [SESSIONS, SESSION, COMMIT, CONTENT, VERSION, FILE, TOKEN, ITEMS, FOLDERS]) {
        for (const op of Object.values(doc.paths[path]).filter((v: Json) => v.responses) as Json[]) {
          op.summary = "changed";
          op.description = "changed";
          for (const p of op.parameters ?? []) Object.assign(p, { description: "changed", example: "changed" });
          for (const r of Object.values(op.responses) as Json[]) r.description = "changed";
        }
      }
      const session = doc.components.schemas.UploadSession;
      session.title = "changed";
      session.description = "changed";
      session.properties.total_parts.example = 7;
    });
    expect(diffs).toEqual(await diff());
  });

  test("header names that differ only in case are the same header (HTTP headers are case-insensitive)", async () => {
    const diffs = await diff((doc) => {
      parameter(doc.paths[SESSION].put, "digest").name = "Digest";
      const responses = doc.paths[COMMIT].post.responses;
      responses["202"].headers = { "retry-after": responses["202"].headers["Retry-After"] };
    });
    expect(diffs).toEqual(await diff());
  });

  test("the CLI exits 1 and prints each undocumented line in its group", async () => {
    const altered = structuredClone(officialRaw);
    delete altered.paths[SESSIONS].post.responses["403"];
    altered.components.schemas.UploadSession.properties.total_parts.type = "string";
    const run = await runCli(writeTemp("altered.json", altered));
    expect(run.status).toBe(1);
    expect(group(run.stdout, "Removed from the official description:")).toContain("POST /files/upload_sessions: response 403 removed");
    expect(group(run.stdout, "Changed:")).toContain("schema UploadSession.total_parts: type changed integer -> string");
    expect(run.stdout).toMatch(/\b2 undocumented\./);
  });
});

describe("documented deviations", () => {
  const dropResponse403 = (doc: Json) => delete doc.paths[SESSIONS].post.responses["403"];

  test("a difference below a node with x-deviation is reported as documented and does not fail", async () => {
    const without = await diff(undefined, dropResponse403);
    expect(undocumented(without)).toEqual(["added: POST /files/upload_sessions: response 403 added"]);

    const withNote = await diff(undefined, (doc) => {
      dropResponse403(doc);
      doc.paths[SESSIONS].post["x-deviation"] = "We do not model 403 here.";
    });
    expect(undocumented(withNote)).toEqual([]);
    expect(documented(withNote)).toContain("added: POST /files/upload_sessions: response 403 added (documented deviation)");
  });

  test("the CLI with --fragment exits 0 when the only new difference is documented", async () => {
    const fragment = structuredClone(fragmentRaw);
    dropResponse403(fragment);
    fragment.paths[SESSIONS].post["x-deviation"] = "We do not model 403 here.";
    const run = await runCli(OFFICIAL, "--fragment", writeTemp("fragment.yaml", fragment));
    expect(run.status).toBe(0);
    expect(group(run.stdout, "New in the official description:")).toContain("POST /files/upload_sessions: response 403 added (documented deviation)");
    expect(run.stdout).toMatch(/\b0 undocumented\./);
  });

  test("leaving out Box's refresh variation of the token call is documented by its root entry, and only by it", async () => {
    const line = "added: POST /oauth2/token#refresh: operation added";
    expect(documented(await diff())).toContain(`${line} (documented deviation)`);

    const withoutEntry = await diff(undefined, (doc) => {
      doc["x-deviations"] = doc["x-deviations"].filter((d: Json) => d.where !== "paths./oauth2/token#refresh.post");
    });
    expect(undocumented(withoutEntry)).toEqual([line]);
  });


  test("a root x-deviations entry whose `where` is a dotted path documents that node", async () => {
    const removeNodeNote = (doc: Json) => delete doc.components.schemas.Files.properties.entries["x-deviation"];
    const expected = "changed: schema Files.entries[]: schema changed File -> File--Full";

    const rootEntryOnly = await diff(undefined, removeNodeNote);
    expect(documented(rootEntryOnly)).toContain(`${expected} (documented deviation)`);

    const neither = await diff(undefined, (doc) => {
      removeNodeNote(doc);
      doc["x-deviations"] = doc["x-deviations"].filter((d: Json) => d.where !== "components.schemas.Files.properties.entries");
    });
    expect(undocumented(neither)).toEqual([expected]);
  });
});

describe("comparison rules", () => {
  test("an operation's effective server is compared: its own servers, else the path item's, else the root's", async () => {
    const diffs = await diff((doc) => (doc.paths[SESSIONS].post.servers = [{ url: "https://api.box.com/2.0" }]));
    expect(undocumented(diffs)).toEqual(["changed: POST /files/upload_sessions: server changed https://upload.box.com/api/2.0 -> https://api.box.com/2.0"]);
  });

  test("a templated server is compared through its variables' defaults (the session calls)", async () => {
    const diffs = await diff((doc) => (doc.paths[SESSION].get.servers[0].variables["box-upload-server"].default = "upload.eu.box.com"));
    expect(undocumented(diffs)).toEqual([
      "changed: GET /files/upload_sessions/{upload_session_id}: server changed https://upload.box.com/api/2.0 -> https://upload.eu.box.com/api/2.0",
    ]);
  });

  test("how a parameter is written on the wire (style, explode; defaults applied) is compared", async () => {
    const diffs = await diff((doc) => (parameter(doc.paths[`${SESSION}/parts`].get, "limit").explode = false));
    expect(undocumented(diffs)).toEqual(["changed: GET /files/upload_sessions/{upload_session_id}/parts: query parameter limit: explode changed true -> false"]);
    expect(await diff((doc) => Object.assign(parameter(doc.paths[`${SESSION}/parts`].get, "limit"), { style: "form", explode: true }))).toEqual(await diff());
  });

  test("a property declared again by a later allOf member is compared too (all declarations apply)", async () => {
    const diffs = await diff((doc) => (doc.components.schemas.UploadParts.allOf[1].properties.total_count = { type: "integer", format: "int32" }));
    expect(undocumented(diffs)).toEqual(["changed: schema UploadParts.total_count: format changed int64 -> int32"]);
  });

  test("a root x-deviations entry `paths.<path>.<method>` documents leaving out an official operation", async () => {
    const where = `paths.${SESSION}/log.get`;
    const addLog = (doc: Json) =>
      (doc.paths[`${SESSION}/log`] = { get: { operationId: "get_log", tags: ["Uploads (Chunked)"], responses: { "200": { description: "ok" } } } });
    const line = "added: GET /files/upload_sessions/{upload_session_id}/log: operation added";
    expect(undocumented(await diff(addLog))).toEqual([line]);
    const withEntry = await diff(addLog, (doc) => doc["x-deviations"].push({ where, what: "Not described.", why: "Not used." }));
    expect(undocumented(withEntry)).toEqual([]);
    expect(documented(withEntry)).toContain(`${line} (documented deviation)`);
  });
});

function renameProperty(properties: Json, from: string, to: string): void {
  properties[to] = properties[from];
  delete properties[from];
}

function parameter(op: Json, name: string): Json {
  const found = op.parameters.find((p: Json) => p.name === name);
  if (!found) throw new Error(`no parameter ${name}`);
  return found;
}
