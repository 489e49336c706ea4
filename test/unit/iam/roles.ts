/** Reading the function roles of a template (serverless.yml's resources, or the packaged stack). */
import { loadServerless } from "../../../cli/local/serverless.ts";

// biome-ignore lint/suspicious/noExplicitAny: templates are untyped JSON
export type Json = any;

/** One statement of a role's inline policies, with `Action` and `Resource` as lists. */
export interface Statement {
  policy: string;
  sid: string;
  effect: "Allow" | "Deny";
  actions: string[];
  resources: Json[];
  condition?: Json;
}

const list = (v: Json): Json[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * The statements a statement list can hold: a `Fn::If` statement stands for each of its branches
 * (the statement the condition chooses, or none for `AWS::NoValue`).
 */
function branches(st: Json): Json[] {
  if (st && typeof st === "object" && "Fn::If" in st) {
    const [, yes, no] = st["Fn::If"];
    return [...branches(yes), ...branches(no)];
  }
  if (st && typeof st === "object" && st.Ref === "AWS::NoValue") return [];
  return [st];
}

/** Every statement of a role's inline policies (both branches of a conditional statement). */
export function roleStatements(role: Json): Statement[] {
  return list(role?.Properties?.Policies).flatMap((p: Json) =>
    list(p.PolicyDocument?.Statement)
      .flatMap(branches)
      .map((st: Json) => ({
        policy: String(p.PolicyName),
        sid: String(st.Sid ?? ""),
        effect: st.Effect,
        actions: list(st.Action).map(String),
        resources: list(st.Resource),
        ...(st.Condition !== undefined ? { condition: st.Condition } : {}),
      })),
  );
}

/** The actions a role allows, sorted. */
export function allowedActions(role: Json): string[] {
  return [
    ...new Set(
      roleStatements(role)
        .filter((s) => s.effect === "Allow")
        .flatMap((s) => s.actions),
    ),
  ].sort();
}

/** serverless.yml with its variables resolved, as the deployment and the local runner see it. */
export function serverlessDoc(env: NodeJS.ProcessEnv = {}): Json {
  return loadServerless({ stage: "test", region: "eu-west-1" }, undefined, env);
}

/** `{ "Fn::Sub": "…" }` → its template text; anything else → its JSON. */
export function text(value: Json): string {
  if (value && typeof value === "object" && "Fn::Sub" in value) return String(value["Fn::Sub"]);
  return JSON.stringify(value);
}
