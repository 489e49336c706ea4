import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { literalSchemaKeys, SCHEMA_FILE, sdkSchemaKeys } from "../../../scripts/sdk-schema-keys.mjs";
import { repoRoot } from "../iam/sources.ts";

const EC2_SCHEMAS = createRequire(import.meta.url).resolve(
  "@aws-sdk/client-ec2/dist-es/schemas/schemas_0.js",
  {
    paths: [repoRoot],
  },
);

describe("the SDK schema pruning of the build", () => {
  it("writes computed keys over the module's string constants as literals, and nothing else", () => {
    const source = [
      'const _xN = "xmlName";',
      'const _II = "InstanceId";',
      "let other = 1;",
      "export var A$ = [3, n0, _II, 0, [[() => B$, { [_xN]: _II }], [0, { [other]: 1, [_zz]: 2 }]]];",
    ].join("\n");

    const { contents, replaced } = literalSchemaKeys(source);

    expect(replaced).toBe(1);
    expect(contents).toContain('{ "xmlName": _II }');
    expect(contents).toContain("{ [other]: 1, [_zz]: 2 }");
  });

  it("matches the SDK's schema modules only", () => {
    expect(SCHEMA_FILE.test(EC2_SCHEMAS)).toBe(true);
    expect(SCHEMA_FILE.test(`${repoRoot}node_modules/@aws-sdk/client-ec2/dist-es/EC2Client.js`)).toBe(false);
  });

  it("rewrites every computed key of the EC2 schemas, so that esbuild drops the unused ones", async () => {
    const { contents, replaced } = literalSchemaKeys(readFileSync(EC2_SCHEMAS, "utf8"));
    expect(replaced).toBeGreaterThan(1000);
    expect(contents).not.toMatch(/\[_[\w$]*\]:/);

    const size = async (plugins: unknown[]) => {
      const out = await build({
        stdin: {
          contents:
            'import { DescribeInstances$ } from "@aws-sdk/client-ec2/dist-es/schemas/schemas_0.js"; export const s = DescribeInstances$;',
          resolveDir: repoRoot,
        },
        bundle: true,
        format: "esm",
        platform: "node",
        minify: true,
        write: false,
        plugins: plugins as never,
      });
      return out.outputFiles[0]?.contents.length ?? 0;
    };
    const without = await size([]);
    const pruned = await size([sdkSchemaKeys]);
    expect(pruned).toBeLessThan(without / 5);
  });
});
