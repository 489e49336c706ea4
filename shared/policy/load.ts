/**
 * Reads and validates a policy file: YAML (`policy/default.yaml`, every problem with its line;
 * see yaml.ts) or the JSON the build makes of it for the bundles. Every problem is a
 * {@link PolicyError} naming the file and what is wrong.
 */
import { readFileSync } from "node:fs";
import { describeError, PolicyError } from "../errors/index.ts";
import { formatPath, listProblems, splitIssue } from "./issues.ts";
import { type Policy, PolicySchema } from "./policy-schema.ts";
import { parsePolicy } from "./yaml.ts";

/**
 * Reads the policy file at `path` (JSON when it ends in `.json`, YAML otherwise) and
 * validates it. Synchronous: it runs once, while a function's container starts, and a bad
 * policy must stop the start.
 * @throws PolicyError when the file cannot be read or does not validate.
 */
export function loadPolicy(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new PolicyError(`cannot read policy file: ${describeError(err)}`, path);
  }
  return path.endsWith(".json") ? parsePolicyJson(text, path) : parsePolicy(text, path);
}

/**
 * Parses and validates a policy written as JSON (the build's conversion of the YAML).
 * `fileName` only labels the errors.
 */
export function parsePolicyJson(text: string, fileName: string): Policy {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new PolicyError(`JSON syntax error: ${describeError(err)}`, fileName);
  }
  const parsed = PolicySchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const located = parsed.error.issues
    .flatMap((issue) => splitIssue(issue))
    .map(({ path, message }) => ({ line: 0, path: formatPath(path), message }));
  throw new PolicyError(listProblems(located, fileName, false), fileName);
}
