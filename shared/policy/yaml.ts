/**
 * Policy YAML: parsed with the position of every node, so that each problem names its line,
 * e.g. `policy.yaml:12: playbooks[1].actions[0].name: unknown action "isolate"; known: …`.
 * The deployed bundles read the policy as JSON, converted and checked by the build
 * (scripts/build.mjs), and do not carry this module.
 */
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { describeError, PolicyError } from "../errors/index.ts";
import { formatPath, type Located, listProblems, splitIssue } from "./issues.ts";
import { type Policy, PolicySchema } from "./policy-schema.ts";

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
  throw new PolicyError(listProblems(located, fileName, true), fileName, located[0]?.line);
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
