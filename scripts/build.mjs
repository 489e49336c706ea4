#!/usr/bin/env node
/**
 * Builds one small ESM bundle per function listed in serverless.yml and zips it as the
 * function's deployment artifact:
 *
 *   functions/<name>/handler.ts ──esbuild──▶ dist/<name>/index.mjs (+ index.mjs.map)
 *   policy/default.yaml ──check, to JSON───▶ dist/<name>/policy.json   (and other ASSETS)
 *   dist/<name>/* ─────────────────zip─────▶ dist/<name>.zip   (index.mjs at the root)
 *
 * serverless.yml must say `handler: index.handler` and `package.artifact: dist/<name>.zip`
 * for every function; the build refuses anything else, so the two cannot drift apart.
 * A bundle's metafile (dist/<name>.meta.json) records what went into it.
 *
 * Usage: node scripts/build.mjs [function ...]   (default: every function)
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { tsImport } from "tsx/esm/api";
import { parse } from "yaml";
import { sdkSchemaKeys } from "./sdk-schema-keys.mjs";
import { zipEntries } from "./zip.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");

/**
 * Replaces shared/policy/yaml.ts in the bundles: they read their policy as JSON, and the YAML
 * parser (about 110 KiB) would only be dead weight. A YAML policy given to a bundle anyway is
 * refused with a clear error.
 */
const policyYamlLeftOut = {
  name: "policy-yaml-left-out",
  setup(b) {
    b.onLoad({ filter: /[\\/]shared[\\/]policy[\\/]yaml\.ts$/ }, (args) => ({
      loader: "ts",
      resolveDir: dirname(args.path),
      contents: `import { PolicyError } from "../errors/index.ts";
export function parsePolicy(_text: string, fileName: string): never {
  throw new PolicyError("this bundle reads its policy as JSON (policy.json, converted by the build); set POLICY_FILE to a .json policy", fileName);
}`,
    }));
  },
};

/** Options every bundle is built with (see docs/deploy.md, "Bundles"). */
export const ESBUILD_OPTIONS = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  // The SDK's ESM builds tree-shake far better than its CommonJS ones.
  mainFields: ["module", "main"],
  minify: true,
  sourcemap: "linked",
  sourcesContent: false,
  legalComments: "eof",
  metafile: true,
  logLevel: "warning",
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
  // Lets esbuild drop the SDK schemas of operations the bundle never calls; leaves the YAML
  // parser out (the bundles read their policy as JSON).
  plugins: [sdkSchemaKeys, policyYamlLeftOut],
};

/** The functions serverless.yml declares, by name, with their definitions. */
export function functionsOf(serverlessFile = join(root, "serverless.yml")) {
  const doc = parse(readFileSync(serverlessFile, "utf8"));
  const functions = doc.functions ?? {};
  if (!Object.keys(functions).length) throw new Error("serverless.yml declares no functions");
  return functions;
}

/** What is wrong with a function's definition, against the layout the build produces. */
export function layoutProblems(name, fn) {
  const problems = [];
  if (!/^[a-z][a-z0-9-]*$/.test(name))
    problems.push(`${name}: function names are lower-case words and dashes`);
  if (fn.handler !== "index.handler")
    problems.push(`${name}: handler must be index.handler, is ${fn.handler}`);
  if (fn.package?.artifact !== `dist/${name}.zip`) {
    problems.push(`${name}: package.artifact must be dist/${name}.zip, is ${fn.package?.artifact}`);
  }
  if (!existsSync(join(root, "functions", name, "handler.ts"))) {
    problems.push(`${name}: functions/${name}/handler.ts does not exist`);
  }
  return problems;
}

/**
 * Files a bundle carries next to index.mjs, by name in the bundle → source in the repository.
 * Every function reads the policy (POLICY_FILE=/var/task/policy.json: the YAML, checked and
 * converted by {@link policyJson}); the clean room also reads its template
 * (CLEANROOM_TEMPLATE_FILE=/var/task/cleanroom.yaml).
 */
export const ASSETS = {
  "*": { "policy.json": "policy/default.yaml" },
  cleanroom: { "cleanroom.yaml": "infra/cleanroom.yaml" },
};

/** The assets of one function's bundle. */
export function assetsOf(name) {
  return { ...ASSETS["*"], ...(ASSETS[name] ?? {}) };
}

/** Each policy file is checked and converted once per build, however many bundles ship it. */
const policies = new Map();

/**
 * The policy YAML as the JSON the bundles read, after the project's own loader has checked it:
 * a wrong policy fails the build with its file and line, not a function's start in AWS.
 */
export function policyJson(yamlFile) {
  let converted = policies.get(yamlFile);
  if (!converted) {
    converted = (async () => {
      const { loadPolicy } = await tsImport("../shared/policy/load.ts", import.meta.url);
      loadPolicy(yamlFile);
      return `${JSON.stringify(parse(readFileSync(yamlFile, "utf8")), null, 2)}\n`;
    })();
    policies.set(yamlFile, converted);
  }
  return converted;
}

/** An asset's content: the file, or for `.json` made from `.yaml`, its checked conversion. */
async function assetContent(target, from) {
  const file = join(root, from);
  return target.endsWith(".json") && from.endsWith(".yaml") ? policyJson(file) : readFileSync(file);
}

/** Writes a function's assets next to its bundle in `outDir`; returns their names. */
export async function writeAssets(name, outDir) {
  const assets = assetsOf(name);
  for (const [target, from] of Object.entries(assets))
    writeFileSync(join(outDir, target), await assetContent(target, from));
  return Object.keys(assets);
}

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`.padStart(12);

/** Bundles and zips one function (into `outRoot`, dist/ by default); returns its sizes. */
export async function buildFunction(name, outRoot = dist) {
  const outDir = join(outRoot, name);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    ...ESBUILD_OPTIONS,
    absWorkingDir: root,
    entryPoints: [join(root, "functions", name, "handler.ts")],
    outfile: join(outDir, "index.mjs"),
  });
  writeFileSync(join(outRoot, `${name}.meta.json`), JSON.stringify(result.metafile));
  const assets = await writeAssets(name, outDir);

  const files = ["index.mjs", "index.mjs.map", ...assets];
  const zip = zipEntries(files.map((f) => ({ name: f, data: readFileSync(join(outDir, f)) })));
  writeFileSync(join(outRoot, `${name}.zip`), zip);
  const code = readFileSync(join(outDir, "index.mjs"));
  return { name, raw: code.length, gzip: gzipSync(code, { level: 9 }).length, zip: zip.length };
}

async function main() {
  const functions = functionsOf();
  const all = Object.keys(functions);
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !all.includes(w));
  if (unknown.length)
    throw new Error(`not in serverless.yml: ${unknown.join(", ")} (functions: ${all.join(", ")})`);
  const names = wanted.length ? wanted : all;
  const problems = names.flatMap((n) => layoutProblems(n, functions[n]));
  if (problems.length) throw new Error(`serverless.yml and functions/ disagree:\n  ${problems.join("\n  ")}`);
  mkdirSync(dist, { recursive: true });
  const started = Date.now();
  const sizes = await Promise.all(names.map((n) => buildFunction(n)));
  console.log(`${"function".padEnd(12)}${"bundle".padStart(12)}${"gzip".padStart(12)}${"zip".padStart(12)}`);
  for (const s of sizes) console.log(`${s.name.padEnd(12)}${kb(s.raw)}${kb(s.gzip)}${kb(s.zip)}`);
  console.log(
    `built ${names.length} functions into ${relative(process.cwd(), dist) || "."} in ${Date.now() - started} ms`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(`build failed: ${err.message}`);
    process.exit(1);
  });
}
