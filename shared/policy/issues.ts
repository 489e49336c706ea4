/**
 * Pure: how schema problems of a policy are told — one line per problem, at most
 * {@link MAX_LISTED}, each with the path as it reads in the file.
 */
import type * as z from "zod";

/** At most this many problems are listed in one error. */
export const MAX_LISTED = 10;

/** A problem, with the line of the file it is on when known. */
export interface Located {
  line: number;
  /** The path as written in the message. */
  path: string;
  message: string;
}

/** One issue per unknown key, pointing at the key itself. */
export function splitIssue(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string }[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({ path: [...issue.path, key], message: `unknown key "${key}"` }));
  }
  return [{ path: issue.path, message: issue.message }];
}

/**
 * The message of a policy error: the first problem, then the others (each prefixed with its
 * own `file:line:` when lines are known), then how many more there are.
 */
export function listProblems(located: Located[], fileName: string, withLines: boolean): string {
  const [first, ...rest] = located as [Located, ...Located[]];
  const lines = [`${first.path}: ${first.message}`];
  for (const more of rest.slice(0, MAX_LISTED - 1)) {
    lines.push(`${withLines ? `${fileName}:${more.line}: ` : ""}${more.path}: ${more.message}`);
  }
  if (rest.length >= MAX_LISTED) lines.push(`(${rest.length + 1 - MAX_LISTED} more problems not shown)`);
  return lines.join("\n");
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
