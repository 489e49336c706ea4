/** Helpers for the template tests: loading, tag checks, IAM statements, condition evaluation. */
import { readFileSync } from "node:fs";
import {
  asArray,
  asObject,
  type CfnObject,
  type CfnResource,
  type CfnTemplate,
  type CfnValue,
  parseCfnYaml,
  toList,
} from "../../../shared/infra/cfn-yaml.ts";

/** Reads and parses a template under infra/. */
export function loadTemplate(name: string): CfnTemplate {
  return parseCfnYaml(readFileSync(new URL(`../../../infra/${name}`, import.meta.url), "utf8"));
}

/** Properties of a resource (an empty mapping when it has none). */
export function props(resource: CfnResource | undefined): CfnObject {
  if (!resource) throw new Error("no such resource");
  return resource.Properties ?? {};
}

/** `{ Key: Value }` from a CloudFormation tag list. */
export function tagMap(tags: CfnValue | undefined): Map<string, CfnValue> {
  return new Map(
    asArray(tags, "Tags").map((t) => {
      const tag = asObject(t, "tag");
      return [String(tag.Key), tag.Value ?? null];
    }),
  );
}

/** The four tags every taggable clean room resource carries, as template values. */
export const INCIDENT_TAGS: Record<string, CfnValue> = {
  "incident-responder:incident-id": { Ref: "IncidentId" },
  "incident-responder:created-by": { Ref: "CreatedBy" },
  "incident-responder:expires-at": { Ref: "ExpiresAt" },
  "incident-responder:managed": "true",
};

/** One IAM policy statement, with `Action` and `Resource` always as lists. */
export interface Statement {
  sid: string;
  effect: string;
  actions: string[];
  resources: CfnValue[];
  condition?: CfnObject;
  principal?: CfnValue;
}

/** The statements of a policy document. */
export function statements(document: CfnValue | undefined): Statement[] {
  return toList(asObject(document, "PolicyDocument").Statement).map((s) => {
    const st = asObject(s, "Statement");
    return {
      sid: String(st.Sid ?? ""),
      effect: String(st.Effect),
      actions: toList(st.Action).map(String),
      resources: toList(st.Resource),
      ...(st.Condition ? { condition: asObject(st.Condition, "Condition") } : {}),
      ...(st.Principal !== undefined ? { principal: st.Principal } : {}),
    };
  });
}

/** Every statement of a role's inline policies. */
export function inlineStatements(role: CfnResource | undefined): Statement[] {
  return toList(props(role).Policies).flatMap((p) => statements(asObject(p, "policy").PolicyDocument));
}

/** The string of an `Fn::Sub` in its one-argument form, or the value itself when it is a string. */
export function subText(value: CfnValue | undefined): string | undefined {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && !Array.isArray(value) && typeof value["Fn::Sub"] === "string") {
    return value["Fn::Sub"];
  }
  return undefined;
}

type Evaluated = string | number | boolean | Evaluated[];

/**
 * Evaluates the intrinsic functions that conditions and simple properties use (Ref to a
 * parameter, Fn::Sub of parameters, Split, Select, Join, Equals, Not, And, Or, Condition), the
 * way CloudFormation does, so that tests can tell what a set of parameters produces.
 */
export function evaluate(
  value: CfnValue | undefined,
  params: Record<string, string>,
  conditions: Record<string, CfnValue> = {},
): Evaluated {
  const ev = (v: CfnValue | undefined) => evaluate(v, params, conditions);
  if (value === null || value === undefined) throw new Error("cannot evaluate an empty value");
  if (typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(ev);
  const [fn, arg] = Object.entries(value)[0] ?? [];
  switch (fn) {
    case "Ref": {
      const p = params[String(arg)];
      if (p === undefined) throw new Error(`no parameter ${String(arg)}`);
      return p;
    }
    case "Condition":
      return evaluate(conditions[String(arg)], params, conditions);
    case "Fn::Sub":
      return String(arg).replace(/\$\{([A-Za-z0-9:]+)\}/g, (_, name: string) => {
        const p = params[name];
        if (p === undefined) throw new Error(`no parameter ${name}`);
        return p;
      });
    case "Fn::Split": {
      const [sep, text] = asArray(arg);
      return String(ev(text)).split(String(sep));
    }
    case "Fn::Select": {
      const [index, list] = asArray(arg);
      const items = ev(list);
      if (!Array.isArray(items)) throw new Error("Fn::Select needs a list");
      const item = items[Number(ev(index))];
      if (item === undefined) throw new Error("Fn::Select index out of range");
      return item;
    }
    case "Fn::Join": {
      const [sep, list] = asArray(arg);
      const items = ev(list);
      if (!Array.isArray(items)) throw new Error("Fn::Join needs a list");
      return items.map(String).join(String(sep));
    }
    case "Fn::Equals": {
      const [a, b] = asArray(arg).map(ev);
      return String(a) === String(b);
    }
    case "Fn::Not":
      return !ev(asArray(arg)[0]);
    case "Fn::And":
      return asArray(arg).every((c) => ev(c) === true);
    case "Fn::Or":
      return asArray(arg).some((c) => ev(c) === true);
    default:
      throw new Error(`cannot evaluate ${fn ?? "an empty mapping"}`);
  }
}
