/** `npm run generate:check` passes on the committed types and fails with a diff once they are edited. */
import { execFile } from "node:child_process";
import { cp, mkdtemp, rm, symlink, appendFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "../support/paths";

let copy: string;
beforeAll(async () => {
  // A copy of the parts the check reads, so the edit below never touches the working tree.
  copy = await mkdtemp(join(tmpdir(), "generate-check-"));
  for (const dir of ["openapi", "generated", "scripts"]) await cp(join(ROOT, dir), join(copy, dir), { recursive: true });
  await symlink(join(ROOT, "node_modules"), join(copy, "node_modules"));
});
afterAll(() => rm(copy, { recursive: true, force: true }));

const check = () =>
  promisify(execFile)(process.execPath, [join(copy, "scripts", "generate.mjs"), "--check"]).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );

test("the committed generated/ matches the fragment", async () => {
  expect(await check()).toEqual({ code: 0, out: expect.stringContaining("up to date") });
});

test("a hand edit in generated/ fails the check with a diff", async () => {
  await appendFile(join(copy, "generated", "box-chunked-uploads.ts"), "export type Sneaky = string;\n");
  const result = await check();
  expect(result.code).toBe(1);
  expect(result.out).toContain("-export type Sneaky = string;");
  expect(result.out).toMatch(/stale or was edited by hand/);
});
