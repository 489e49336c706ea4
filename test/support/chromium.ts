/**
 * Headless Chromium for report tests: a screenshot and the DOM of a local HTML file, with
 * every network feature off. `CHROMIUM` is undefined when the browser is not installed (tests
 * that need it then skip, except with CI=true: test/support/tools.ts).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

function find(): string | undefined {
  for (const p of [process.env.CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"])
    if (p && existsSync(p)) return p;
  try {
    return execFileSync("which", ["chromium"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export const CHROMIUM = find();

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--hide-scrollbars",
];

/** Renders `htmlFile`: a PNG screenshot (window `width`×`height`) and the DOM after load. */
export function renderPage(
  htmlFile: string,
  opts: { width?: number; height?: number } = {},
): { png: Buffer; pngFile: string; dom: string } {
  if (!CHROMIUM)
    throw new Error("chromium is not installed: apt-get install -y chromium (required with CI=true)");
  const dir = mkdtempSync(join(tmpdir(), "report-render-"));
  const profile = join(dir, "profile");
  const pngFile = join(dir, "page.png");
  const url = pathToFileURL(htmlFile).href;
  const common = [...FLAGS, `--user-data-dir=${profile}`];
  const shot = spawnSync(
    CHROMIUM,
    [...common, `--screenshot=${pngFile}`, `--window-size=${opts.width ?? 1200},${opts.height ?? 1600}`, url],
    { encoding: "utf8", timeout: 60_000 },
  );
  if (!existsSync(pngFile))
    throw new Error(`chromium wrote no screenshot (exit ${shot.status}): ${shot.stderr?.slice(-2000)}`);
  const dump = spawnSync(CHROMIUM, [...common, "--dump-dom", url], {
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const png = readFileSync(pngFile);
  rmSync(profile, { recursive: true, force: true });
  return { png, pngFile, dom: dump.stdout ?? "" };
}
