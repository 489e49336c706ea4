import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadHandler } from "../../../cli/local/runner.ts";

describe("loadHandler", () => {
  it("loads a function's bundle from the bundles directory when given one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bundles-"));
    mkdirSync(join(dir, "contain"));
    writeFileSync(
      join(dir, "contain", "index.mjs"),
      "export const handler = async () => 'from the bundle';\n",
    );

    const handler = await loadHandler("contain", dir);

    expect(await handler({}, {})).toBe("from the bundle");
  });

  it("says to build the bundles when one is missing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bundles-"));
    await expect(loadHandler("contain", dir)).rejects.toThrow(
      /contain\/index\.mjs does not exist: build the bundles first/,
    );
  });

  it("refuses a function name that is not one", async () => {
    await expect(loadHandler("../contain")).rejects.toThrow(/bad function name/);
  });
});
