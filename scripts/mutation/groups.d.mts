/** Types of groups.mjs, for the TypeScript files that import it. */
export interface MutationGroup {
  mutate: string[] | (() => string[]);
  tests?: string[];
  vitestConfig?: string;
}
export declare const GROUPS: Record<string, MutationGroup>;
export declare const THRESHOLD: number;
export declare function storeConditionRanges(methods?: Record<string, string[]>): string[];
