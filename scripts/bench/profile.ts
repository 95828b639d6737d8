/**
 * Reads a V8 .cpuprofile (from `npm run bench -- --cpu-prof`) and prints where the time went:
 * self time by function and by origin (our src/, openapi-fetch, node internals, GC).
 *
 *   node .build/scripts/bench/profile.js FILE.cpuprofile [--top 15]
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Groups a script URL into the part of the stack it belongs to. */
function origin(url: string, name: string): string {
  if (!url) return name.startsWith("(") ? name : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith("node:")) return "node internals";
  const local = /\/(src|scripts|contract-tests)\//.exec(url);
  return local ? `${local[1]}/` : url;
}

function table(totals: Map<string, number>, all: number, top: number): string[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => `  ${(us / 1000).toFixed(0).padStart(7)} ms  ${((us / all) * 100).toFixed(1).padStart(5)}%  ${key}`);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: "string", default: "15" } } });
  for (const file of positionals) {
    const profile = JSON.parse(await readFile(file, "utf8")) as Profile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const byFunction = new Map<string, number>();
    const byOrigin = new Map<string, number>();
    let all = 0;
    profile.samples.forEach((id, i) => {
      const frame = byId.get(id)!.callFrame;
      if (frame.functionName === "(idle)") return;
      const us = profile.timeDeltas[i] ?? 0;
      all += us;
      const where = frame.url ? `${frame.url.replace(/^.*\/(node_modules|src|scripts)\//, "$1/")}:${frame.lineNumber + 1}` : "";
      const key = `${frame.functionName || "(anonymous)"} ${where}`.trim();
      byFunction.set(key, (byFunction.get(key) ?? 0) + us);
      const o = origin(frame.url, frame.functionName);
      byOrigin.set(o, (byOrigin.get(o) ?? 0) + us);
    });
    console.log(`${file}: ${(all / 1000).toFixed(0)} ms busy on the main thread`);
    console.log(["  by origin", ...table(byOrigin, all, 10), "  by function (self time)", ...table(byFunction, all, Number(values.top))].join("\n"));
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
