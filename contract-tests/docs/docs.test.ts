/**
 * The README and docs/ as a reader meets them: the README stays short, every file a doc names is
 * in the repository, every link between docs resolves, and the README's library example runs as
 * written against the local Box server.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { DEFAULT_TOKEN, LocalBoxServer } from "../support/localBox/server";
import { DIST, ROOT } from "../support/paths";

const docs = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
const text = (doc: string) => readFileSync(join(ROOT, doc), "utf8");
/** Where a repository path may start; anything else in backticks is code, a flag or a value. */
const TOP = /^(src|docs|scripts|contract-tests|openapi|generated|examples|\.ci)\/|^(README\.md|LICENSE|package\.json|tsconfig\.json|jest\.config\.js)$/;

test("the README is read in five minutes: at most 300 lines", () => {
  expect(text("README.md").split("\n").length).toBeLessThanOrEqual(300);
});

test.each(docs)("every repository path %s names exists", (doc) => {
  const missing: string[] = [];
  for (const [, quoted] of text(doc).matchAll(/`([^`\s]+)`/g)) {
    const path = quoted!.replace(/[:,.)]+$/, "").replace(/\/\*\*?$/, "");
    if (!TOP.test(path) || path.startsWith("dist/")) continue;
    if (!existsSync(join(ROOT, path.split(/[#:]/)[0]!))) missing.push(path);
  }
  for (const [, target] of text(doc).matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^(https?:|mailto:|#)/.test(target!)) continue;
    const file = resolve(join(ROOT, dirname(doc)), target!.split("#")[0]!);
    if (!existsSync(file)) missing.push(`link ${target}`);
  }
  expect(missing).toEqual([]);
});

test("the README's library example runs as written against the local Box server", async () => {
  const block = /## The library[\s\S]*?```ts\n([\s\S]*?)```/.exec(text("README.md"))![1]!;
  const server = new LocalBoxServer();
  await server.start();
  const dir = await mkdtemp(join(tmpdir(), "readme-example-"));
  try {
    // The package's name resolves to this repository's build, as it would once installed.
    await writeFile(join(dir, "example.ts"), block.replace(`from "box-chunked-upload"`, `from ${JSON.stringify(join(DIST, "index.js"))}`));
    // Type-checked too (the project's compiler options), against the build's declarations.
    // Not execFileSync: the server answers from this very process.
    const run = () =>
      promisify(execFile)(process.execPath, ["-r", require.resolve("ts-node/register"), "example.ts"], {
        cwd: dir,
        env: { PATH: process.env.PATH, TS_NODE_PROJECT: join(ROOT, "tsconfig.json"), TS_NODE_FILES: "false", BOX_ACCESS_TOKEN: DEFAULT_TOKEN, BOX_UPLOAD_BASE_URL: server.baseUrl, BOX_API_BASE_URL: server.apiBaseUrl },
        encoding: "utf8",
        timeout: 60_000,
      });
    const { stdout: out } = await run();
    // One line of progress per change: sent, then in Box.
    expect(out.split("\n").filter((l) => l.endsWith("bytes in Box"))).toEqual(["0/11 bytes in Box", "11/11 bytes in Box"]);
    expect(out).toMatch(/^file \d+: 11 bytes, SHA-1 [0-9a-f]{40}$/m);
    expect(out).toMatch(/^version \d+ of file \d+$/m);
    expect(out).toMatch(/uploaded: 1,/);
    const box = server.filesByPath("0");
    expect(box.get("hello.txt")?.size).toBe(17);
    expect(box.get("2026/q1.txt")?.size).toBe(14);
    // Run again as it is: the name is taken now, and it goes on as new versions; the tree is skipped.
    const again = (await run()).stdout;
    expect(again).toMatch(/^file \d+: 11 bytes, SHA-1 [0-9a-f]{40}$/m);
    expect(again).toMatch(/skipped: 1,/);
    expect(server.files.get(box.get("hello.txt")!.id)!.versions.map((v) => v.size)).toEqual([11, 17, 11, 17]);
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}, 90_000);
