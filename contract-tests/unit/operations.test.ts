/**
 * Every operation the client sends is named once (src/api/operations.ts) with the budget Box's
 * limits count it in. Held here against the fragment: each is an operation of it, and the upload
 * budget holds exactly Box's file uploads (the direct uploads and the creation of upload sessions).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { OPERATIONS } from "../../src/api/operations";

const spec = load(readFileSync(join(__dirname, "..", "..", "openapi", "box-chunked-uploads.yaml"), "utf8")) as { paths: Record<string, Record<string, { operationId?: string }>> };

test.each(Object.entries(OPERATIONS))("%s is an operation of the fragment", (_name, op) => {
  expect(spec.paths[op.path]?.[op.method.toLowerCase()]).toBeDefined();
  expect(op.label).toBe(`${op.method} ${op.path}`);
});

test("the upload budget holds Box's file uploads, and only them", () => {
  const uploads = Object.values(OPERATIONS)
    .filter((op) => op.kind === "upload")
    .map((op) => op.label)
    .sort();
  expect(uploads).toEqual(["POST /files/content", "POST /files/upload_sessions", "POST /files/{file_id}/content", "POST /files/{file_id}/upload_sessions"]);
});

test("every operation of the fragment the client wraps is named once", () => {
  const labels = Object.values(OPERATIONS).map((op) => op.label);
  expect(new Set(labels).size).toBe(labels.length);
});
