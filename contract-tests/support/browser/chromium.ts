/**
 * Headless Chromium for the browser tests: the distribution's package (`apt-get install
 * chromium`; .ci/run installs it), driven by puppeteer-core, which never downloads a browser.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import puppeteer, { type Browser } from "puppeteer-core";

export function chromiumPath(): string {
  const given = process.env.CHROMIUM_PATH;
  if (given) return given;
  for (const name of ["chromium", "chromium-browser"]) {
    try {
      const path = execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
      if (path && existsSync(path)) return path;
    } catch {
      /* not this one */
    }
  }
  throw new Error("no Chromium found: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH");
}

export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--no-first-run", "--no-default-browser-check"],
  });
}

/** The same bytes as the test page's seededBytes (xorshift32, little-endian words). */
export function seededBytes(seed: number, size: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
  const words = size >>> 2;
  for (let i = 0; i < words; i++) out.writeUInt32LE(next(), i * 4);
  for (let i = words * 4; i < size; i++) out[i] = next() & 0xff;
  return out;
}
