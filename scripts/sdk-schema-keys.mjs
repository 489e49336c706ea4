/**
 * An esbuild plugin that lets esbuild drop the AWS SDK's unused schemas.
 *
 * Each SDK v3 client ships the schemas of all its operations in `dist-es/schemas/*.js` as
 * top-level arrays (`export var DescribeInstancesRequest$ = [3, n0, _DIR, 0, …]`). Their
 * member traits are objects with computed keys, `{ [_xN]: _II }`, where `_xN` is a module
 * constant (`const _xN = "xmlName"`). esbuild cannot tell that such a key is side-effect
 * free, so it keeps every schema of the client: about 540 KiB of EC2 schemas in a bundle
 * that uses a dozen EC2 operations (aws/aws-sdk-js-v3#7607). Writing those keys as the string
 * literals they stand for (`{ "xmlName": _II }`) changes nothing at run time and lets
 * tree shaking keep only the schemas the bundle's commands reach.
 */
import { readFile } from "node:fs/promises";

/** The SDK's schema modules (any client, ESM build). */
export const SCHEMA_FILE = /@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/]schemas[\\/][^\\/]+\.js$/;

/**
 * Pure: the module's computed keys `[_name]:` whose `_name` is a top-level string constant of
 * the module, written as that string literal. Anything else is left as it is.
 */
export function literalSchemaKeys(source) {
  const constants = new Map();
  for (const m of source.matchAll(/^const (_[\w$]*) = ("[^"\\\n]*");$/gm)) constants.set(m[1], m[2]);
  let replaced = 0;
  const contents = source.replace(/\[(_[\w$]*)\]:/g, (all, name) => {
    const literal = constants.get(name);
    if (literal === undefined) return all;
    replaced++;
    return `${literal}:`;
  });
  return { contents, replaced };
}

/** The plugin: applies {@link literalSchemaKeys} to every SDK schema module. */
export const sdkSchemaKeys = {
  name: "sdk-schema-keys",
  setup(build) {
    build.onLoad({ filter: SCHEMA_FILE }, async (args) => ({
      contents: literalSchemaKeys(await readFile(args.path, "utf8")).contents,
      loader: "js",
    }));
  },
};
