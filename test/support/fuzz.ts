/**
 * Fuzz generators shared by the property tests (intake's normaliser, triage's handler): hostile
 * values, random mutations of a JSON document (delete a field, null it, change its type, nest
 * it 80 deep, make it huge, add a key such as `__proto__`…) and the function that applies one.
 * Each test picks its hostile constants and mutation kinds; the mutation applies to a copy the
 * caller owns.
 */
import fc from "fast-check";

/** A path into a JSON value: keys and array indexes. */
export type Path = (string | number)[];

/** Every path in `value` (at most `max`), root included. */
export function pathsOf(value: unknown, max: number): Path[] {
  const out: Path[] = [[]];
  const stack: [unknown, Path][] = [[value, []]];
  while (stack.length && out.length < max) {
    const [cur, path] = stack.pop()!;
    if (cur === null || typeof cur !== "object") continue;
    for (const [k, v] of Object.entries(cur)) {
      const p = [...path, Array.isArray(cur) ? Number(k) : k];
      out.push(p);
      stack.push([v, p]);
    }
  }
  return out;
}

/** Hostile values: any small JSON value, or one of `constants` (a fresh copy each time). */
export function garbage(constants: unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    // Fresh copies: mutations must never edit a shared constant.
    fc.constantFrom<unknown>(...constants).map((v) => structuredClone(v)),
  );
}

/** The mutations that take a node only. */
export type SimpleOp = "delete" | "null" | "swapType" | "stringify" | "wrap" | "nest";

/** One mutation; `at` picks the node (modulo the number of paths). */
export type Mutation =
  | { op: SimpleOp; at: number }
  | { op: "replace"; at: number; value: unknown }
  | { op: "huge"; at: number; size: number }
  | { op: "addKey"; at: number; key: string; value: unknown };

/** What mutations to draw: the simple ones, replace by `values`, huge strings, and added keys. */
export interface MutationKinds {
  ops: SimpleOp[];
  values: fc.Arbitrary<unknown>;
  hugeSizes: number[];
  /** Keys to add to an object (none: no `addKey` mutations). */
  addKeys?: fc.Arbitrary<string>;
}

/** An arbitrary mutation of the given kinds. */
export function mutations(kinds: MutationKinds): fc.Arbitrary<Mutation> {
  return fc.oneof(
    fc.record({ op: fc.constantFrom(...kinds.ops), at: fc.nat() }) as fc.Arbitrary<Mutation>,
    fc.record({ op: fc.constant("replace" as const), at: fc.nat(), value: kinds.values }),
    fc.record({ op: fc.constant("huge" as const), at: fc.nat(), size: fc.constantFrom(...kinds.hugeSizes) }),
    ...(kinds.addKeys
      ? [
          fc.record({
            op: fc.constant("addKey" as const),
            at: fc.nat(),
            key: kinds.addKeys,
            value: kinds.values,
          }),
        ]
      : []),
  );
}

function swapType(v: unknown): unknown {
  if (typeof v === "string") return Number.isNaN(Number(v)) ? 42 : Number(v);
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), x]));
  if (v && typeof v === "object") return Object.values(v);
  return "null";
}

function nested(depth: number): unknown {
  let v: unknown = "bottom";
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** Applies one mutation to `root` in place (looking at its first `maxPaths` paths); returns the new root. */
export function mutate(root: unknown, m: Mutation, maxPaths: number): unknown {
  const paths = pathsOf(root, maxPaths);
  const path = paths[m.at % paths.length]!;
  const get = (p: Path) => p.reduce<unknown>((cur, k) => (cur as Record<string | number, unknown>)[k], root);
  const old = get(path);
  let next: unknown;
  switch (m.op) {
    case "delete":
      next = undefined;
      break;
    case "null":
      next = null;
      break;
    case "swapType":
      next = swapType(old);
      break;
    case "stringify":
      next = JSON.stringify(old) ?? "undefined";
      break;
    case "wrap":
      next = [old];
      break;
    case "nest":
      next = nested(80);
      break;
    case "replace":
      next = structuredClone(m.value);
      break;
    case "huge":
      next = "A".repeat(m.size);
      break;
    case "addKey":
      if (old && typeof old === "object" && !Array.isArray(old)) {
        Object.defineProperty(old, m.key, {
          value: structuredClone(m.value),
          enumerable: true,
          configurable: true,
          writable: true,
        });
        return root;
      }
      next = { [m.key]: m.value };
      break;
  }
  if (path.length === 0) return next;
  const parent = get(path.slice(0, -1)) as Record<string | number, unknown>;
  const key = path[path.length - 1]!;
  if (next === undefined) {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else {
    parent[key] = next;
  }
  return root;
}
