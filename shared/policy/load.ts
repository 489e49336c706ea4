/**
 * Reads and validates a policy file. Every problem is a {@link PolicyError} naming the
 * file, the line and what is wrong, e.g.
 * `policy.yaml:12: playbooks[1].actions[0].name: unknown action "isolate"; known: …`.
 */
import { readFileSync } from "node:fs";
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type * as z from "zod";
import { describeError, PolicyError } from "../errors/index.ts";
import { type Policy, PolicySchema } from "./schema.ts";

/** At most this many problems are listed in one error. */
const MAX_LISTED = 10;

interface Located {
  line: number;
  /** The path as written in the message. */
  path: string;
  message: string;
}

/**
 * Reads the policy file at `path` and validates it. Synchronous: it runs once, while a
 * function's container starts, and a bad policy must stop the start.
 * @throws PolicyError when the file cannot be read or does not validate.
 */
export function loadPolicy(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new PolicyError(`cannot read policy file: ${describeError(err)}`, path);
  }
  return parsePolicy(text, path);
}

/**
 * Parses and validates policy YAML. `fileName` only labels the errors.
 * @throws PolicyError on a YAML syntax error or a schema violation, with the line.
 */
export function parsePolicy(text: string, fileName: string): Policy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });

  const syntax = doc.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0]?.line ?? 1;
    const firstLine = syntax.message.split("\n")[0] ?? syntax.message;
    const message = firstLine.replace(/ at line \d+, column \d+:?$/, "");
    throw new PolicyError(`YAML syntax error: ${message}`, fileName, line);
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new PolicyError(`YAML error: ${describeError(err)}`, fileName, 1);
  }

  const parsed = PolicySchema.safeParse(data);
  if (parsed.success) return parsed.data;

  const located = parsed.error.issues
    .flatMap((issue) => splitIssue(issue))
    .map(({ path, message }) => locate(doc, lineCounter, path, message))
    .sort((a, b) => a.line - b.line);
  const [first, ...rest] = located as [Located, ...Located[]];
  const lines = [`${first.path}: ${first.message}`];
  for (const more of rest.slice(0, MAX_LISTED - 1)) {
    lines.push(`${fileName}:${more.line}: ${more.path}: ${more.message}`);
  }
  if (rest.length >= MAX_LISTED) lines.push(`(${rest.length + 1 - MAX_LISTED} more problems not shown)`);
  throw new PolicyError(lines.join("\n"), fileName, first.line);
}

/** One issue per unknown key, pointing at the key itself. */
function splitIssue(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string }[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({ path: [...issue.path, key], message: `unknown key "${key}"` }));
  }
  return [{ path: issue.path, message: issue.message }];
}

function lineAt(node: { range?: [number, number, number] | null } | null | undefined, lc: LineCounter) {
  return node?.range ? lc.linePos(node.range[0]).line : undefined;
}

/**
 * Walks `path` down the YAML nodes as far as it exists and returns the line of the deepest
 * node found (the key's line for a mapping entry), and the path as it reads in the file.
 */
function locate(doc: Document, lc: LineCounter, path: PropertyKey[], message: string): Located {
  let node: unknown = doc.contents;
  let line = lineAt(doc.contents as Node | null, lc) ?? 1;
  const shown: PropertyKey[] = [];
  let i = 0;
  for (; i < path.length; i++) {
    const seg = path[i]!;
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg),
      );
      if (!pair) break;
      line = lineAt(pair.key as Node, lc) ?? lineAt(pair.value as Node, lc) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg];
      if (item === undefined) break;
      line = lineAt(item as Node, lc) ?? line;
      node = item;
    } else break;
    shown.push(seg);
  }
  // A single value where a list is allowed is parsed as a list of one: `[0]` is not in the file.
  const rest = path.slice(i);
  if (isScalar(node) && rest[0] === 0) rest.shift();
  return { line, path: formatPath([...shown, ...rest]), message };
}

/** `playbooks[1].actions[0].name`; `(root)` for the empty path. */
export function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return "(root)";
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else {
      const key = String(seg);
      out += /^[A-Za-z_][\w-]*$/.test(key) ? `${out ? "." : ""}${key}` : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}
