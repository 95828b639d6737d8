/** The mirror's rules on a fake Box: web links are never deleted, nor a folder that holds one; a deletion whose answer was lost counts once. */
import { BoxApiError } from "../../src";
import { globs } from "../../src/sync/globs";
import { Mirror } from "../../src/sync/mirror";
import { syncSettings } from "../../src/sync/options";
import type { SyncApi } from "../../src/sync/ports";
import type { RemoteItem } from "../../src/sync/remote";
import { Tally } from "../../src/sync/tally";

type Item = RemoteItem & { children?: Item[] };

function fakeBox(tree: Item[], fail?: (id: string, n: number) => unknown) {
  const deleted: string[] = [];
  const tries = new Map<string, number>();
  const find = (items: Item[], id: string): Item | undefined => {
    for (const i of items) {
      if (i.id === id) return i;
      const inner = i.children && find(i.children, id);
      if (inner) return inner;
    }
    return undefined;
  };
  const remove = async (id: string) => {
    const n = (tries.get(id) ?? 0) + 1;
    tries.set(id, n);
    const err = fail?.(id, n);
    if (err) throw err;
    deleted.push(id);
  };
  const api = {
    async *folderItems(id: string) {
      yield* (find(tree, id)?.children ?? []).map(({ children: _c, ...item }) => item);
    },
    deleteFile: (id: string) => remove(id),
    deleteFolder: (id: string) => remove(id),
  } as unknown as SyncApi;
  return { api, deleted };
}

const index = (items: Item[]) => new Map(items.map((i) => [i.name.toLowerCase(), i]));

function mirror(api: SyncApi, exclude: string[] = []) {
  const s = syncSettings({ deleteExtraneous: true, exclude, retry: { maxAttempts: 3, baseDelayMs: 1 } });
  const tally = new Tally(s);
  return { m: new Mirror(api, s, globs([], exclude), tally, (e) => String(e)), tally };
}

test("a web link is never deleted, nor a Box-only folder that holds one: only what in it may go", async () => {
  const tree: Item[] = [
    { type: "web_link", id: "1", name: "link" },
    { type: "folder", id: "2", name: "old", children: [{ type: "file", id: "3", name: "a.txt" }, { type: "web_link", id: "4", name: "bookmark" }] },
    { type: "folder", id: "5", name: "gone", children: [{ type: "file", id: "6", name: "b.txt" }] },
  ];
  const { api, deleted } = fakeBox(tree);
  const { m, tally } = mirror(api);
  const signal = new AbortController().signal;
  await m.consider("", "0", index(tree), new Set(), signal);
  await m.finish(signal);
  expect(deleted.sort()).toEqual(["3", "5"]);
  expect(tally.summary.deleted).toBe(1 + 2);
});

test("a deletion whose answer was lost (5xx), then 404 on the retry, counts as done, not as a failure", async () => {
  const tree: Item[] = [{ type: "file", id: "7", name: "old.txt", etag: "0" }];
  const lost = new BoxApiError({ status: 503, method: "DELETE", url: "x" });
  const gone = new BoxApiError({ status: 404, method: "DELETE", url: "x" });
  const { api } = fakeBox(tree, (_id, n) => (n === 1 ? lost : gone));
  const { m, tally } = mirror(api);
  const signal = new AbortController().signal;
  await m.consider("", "0", index(tree), new Set(), signal);
  await m.finish(signal);
  expect(tally.summary).toMatchObject({ deleted: 1, failed: 0 });
});

test("a 404 on the first try is a failure: the item was never ours to count", async () => {
  const tree: Item[] = [{ type: "file", id: "8", name: "old.txt" }];
  const { api } = fakeBox(tree, () => new BoxApiError({ status: 404, method: "DELETE", url: "x" }));
  const { m, tally } = mirror(api);
  const signal = new AbortController().signal;
  await m.consider("", "0", index(tree), new Set(), signal);
  await m.finish(signal);
  expect(tally.summary).toMatchObject({ deleted: 0, failed: 1 });
});
