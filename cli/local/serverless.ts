/**
 * Reads `serverless.yml` — the deployment's single definition of functions, event patterns
 * and resources — and resolves the Serverless variables it uses, so that the local runner
 * builds exactly what the deployment builds.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { ConfigError } from "../../shared/errors/index.ts";

/** Path of the project's serverless.yml. */
export const SERVERLESS_FILE = fileURLToPath(new URL("../../serverless.yml", import.meta.url));

export interface ServerlessOptions {
  stage: string;
  region: string;
}

// biome-ignore lint/suspicious/noExplicitAny: YAML documents are untyped until validated
export type Json = any;

// Only Serverless's own variable sources; `${AWS::Region}`, `${Bucket.Arn}` are CloudFormation's.
const VAR = /\$\{((?:self|sls|opt|env|aws):[^{}]+)\}/g;

function lookup(doc: Json, path: string): unknown {
  let cur: Json = doc;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object" || !(part in cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function resolveOne(expr: string, doc: Json, opts: ServerlessOptions, env: NodeJS.ProcessEnv): unknown {
  const [head, ...rest] = expr.split(",");
  const fallbackRaw = rest.join(",").trim();
  const fallback = fallbackRaw ? fallbackRaw.replace(/^['"]|['"]$/g, "") : undefined;
  const [kind, name = ""] = (head ?? "").trim().split(/:(.*)/s);
  let value: unknown;
  switch (kind) {
    case "sls":
      value = name === "stage" ? opts.stage : undefined;
      break;
    case "opt":
      value = name === "stage" ? opts.stage : name === "region" ? opts.region : undefined;
      break;
    case "aws":
      value = name === "region" ? opts.region : undefined;
      break;
    case "env":
      value = env[name];
      break;
    case "self":
      value = resolveValue(lookup(doc, name), doc, opts, env);
      break;
    default:
      throw new ConfigError(`serverless.yml: unsupported variable \${${expr}}`);
  }
  if (value === undefined) value = fallback;
  if (value === undefined) throw new ConfigError(`serverless.yml: variable \${${expr}} has no value`);
  return value;
}

function resolveValue(value: Json, doc: Json, opts: ServerlessOptions, env: NodeJS.ProcessEnv): Json {
  if (typeof value === "string") {
    const whole = value.match(/^\$\{((?:self|sls|opt|env|aws):[^{}]+)\}$/);
    if (whole?.[1]) {
      const v = resolveOne(whole[1], doc, opts, env);
      // A string that is only a variable keeps the variable's type ("${…}" → 365).
      return typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
    }
    return value.replace(VAR, (_m, expr: string) => String(resolveOne(expr, doc, opts, env)));
  }
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, doc, opts, env));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveValue(v, doc, opts, env)]));
  }
  return value;
}

/** Loads serverless.yml with every `${…}` variable resolved for the given stage and region. */
export function loadServerless(
  opts: ServerlessOptions,
  file = SERVERLESS_FILE,
  env: NodeJS.ProcessEnv = process.env,
): Json {
  const doc = parse(readFileSync(file, "utf8"));
  return resolveValue(doc, doc, opts, env);
}

/** The CloudFormation stack name Serverless gives the deployment. */
export function stackName(doc: Json, stage: string): string {
  return `${doc.service}-${stage}`;
}
