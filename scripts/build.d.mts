/** Types of scripts/build.mjs, for the tests that import it. */
export declare const ESBUILD_OPTIONS: Record<string, unknown>;
export declare const ASSETS: Record<string, Record<string, string>>;
/** The files a function's bundle carries next to index.mjs: name in the bundle → repository path. */
export declare function assetsOf(name: string): Record<string, string>;
/** The functions serverless.yml declares, by name. */
export declare function functionsOf(serverlessFile?: string): Record<string, unknown>;
/** What is wrong with a function's definition against the layout the build produces. */
export declare function layoutProblems(
  name: string,
  fn: { handler?: string; package?: { artifact?: string } },
): string[];
/** Bundles and zips one function into `outRoot` (dist/ by default). */
export declare function buildFunction(
  name: string,
  outRoot?: string,
): Promise<{ name: string; raw: number; gzip: number; zip: number }>;
/** The policy YAML, checked by the project's loader, as the JSON the bundles read. */
export declare function policyJson(yamlFile: string): Promise<string>;
/** Writes a function's assets (the policy as JSON, the clean-room template) into `outDir`; returns their names. */
export declare function writeAssets(name: string, outDir: string): Promise<string[]>;
