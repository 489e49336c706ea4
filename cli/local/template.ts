/**
 * The CloudFormation template evaluator of the local provisioner: intrinsic functions (`Ref`,
 * `Fn::GetAtt`, `Fn::Sub`, …) against what has been created so far, and the creation order.
 */
import { ConfigError } from "../../shared/errors/index.ts";
import type { Json } from "./serverless.ts";

export interface StackContext {
  /** True when the endpoint is plain HTTP (the emulator): TLS-only policy statements cannot hold. */
  plainHttp?: boolean;
  stackName: string;
  accountId: string;
  region: string;
  partition: string;
}

/** What a created resource answers to `Ref` and `Fn::GetAtt`. */
export interface Physical {
  type: string;
  ref: string;
  attrs: Record<string, string>;
}

/** Evaluates CloudFormation intrinsic functions against what has been created so far. */
export function evaluate(value: Json, ctx: StackContext, physical: Record<string, Physical>): Json {
  if (Array.isArray(value)) return value.map((v) => evaluate(v, ctx, physical));
  if (!value || typeof value !== "object") return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const key = keys[0] as string;
    const arg = value[key];
    switch (key) {
      case "Ref":
        return ref(String(arg), ctx, physical);
      case "Fn::GetAtt": {
        const [id, attr] = Array.isArray(arg) ? arg : String(arg).split(".");
        const p = physical[id];
        const v = p?.attrs[attr];
        if (v === undefined) throw new ConfigError(`Fn::GetAtt ${id}.${attr}: not available`);
        return v;
      }
      case "Fn::Sub": {
        const [template, vars] = Array.isArray(arg) ? arg : [arg, {}];
        const evaluated = evaluate(vars, ctx, physical) as Record<string, string>;
        return String(template).replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
          if (name in evaluated) return String(evaluated[name]);
          if (name.includes(".") && !name.startsWith("AWS::")) {
            const [id, attr] = name.split(/\.(.*)/s) as [string, string];
            return evaluate({ "Fn::GetAtt": [id, attr] }, ctx, physical);
          }
          return ref(name, ctx, physical);
        });
      }
      case "Fn::Join": {
        const [sep, parts] = arg;
        return (evaluate(parts, ctx, physical) as unknown[]).join(sep);
      }
      case "Fn::Select": {
        const [index, list] = arg;
        return (evaluate(list, ctx, physical) as unknown[])[Number(index)];
      }
    }
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluate(v, ctx, physical)]));
}

function ref(name: string, ctx: StackContext, physical: Record<string, Physical>): string {
  switch (name) {
    case "AWS::StackName":
      return ctx.stackName;
    case "AWS::AccountId":
      return ctx.accountId;
    case "AWS::Region":
      return ctx.region;
    case "AWS::Partition":
      return ctx.partition;
    case "AWS::URLSuffix":
      return "amazonaws.com";
  }
  const p = physical[name];
  if (!p) throw new ConfigError(`Ref ${name}: no such resource (or not created yet)`);
  return p.ref;
}

/** Logical ids a value refers to (Ref, GetAtt, Sub), for ordering. */
function dependencies(value: Json, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) dependencies(v, out);
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "Ref" && typeof v === "string" && !v.startsWith("AWS::")) out.add(v);
      else if (k === "Fn::GetAtt") out.add(Array.isArray(v) ? String(v[0]) : (String(v).split(".")[0] ?? ""));
      else if (k === "Fn::Sub") {
        const template = Array.isArray(v) ? v[0] : v;
        for (const m of String(template).matchAll(/\$\{([^}.!]+)[^}]*\}/g)) {
          if (m[1] && !m[1].startsWith("AWS::")) out.add(m[1]);
        }
        if (Array.isArray(v)) dependencies(v[1], out);
      } else dependencies(v, out);
    }
  }
  return out;
}

/** Orders resources so that each comes after those it refers to. */
export function creationOrder(resources: Record<string, Json>): string[] {
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string, trail: string[]) => {
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting") throw new ConfigError(`resources: cycle ${[...trail, id].join(" → ")}`);
    state.set(id, "visiting");
    const res = resources[id];
    const deps = dependencies(res?.Properties ?? {});
    for (const d of [res?.DependsOn ?? []].flat()) deps.add(String(d));
    for (const d of deps) if (d in resources) visit(d, [...trail, id]);
    state.set(id, "done");
    order.push(id);
  };
  for (const id of Object.keys(resources)) visit(id, []);
  return order;
}
