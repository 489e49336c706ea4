/** Types of scripts/sdk-schema-keys.mjs, for the tests that import it. */
export declare const SCHEMA_FILE: RegExp;
/** The module's computed keys over its own string constants, written as string literals. */
export declare function literalSchemaKeys(source: string): { contents: string; replaced: number };
export declare const sdkSchemaKeys: { name: string; setup(build: unknown): void };
