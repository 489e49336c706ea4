/**
 * Reads CloudFormation templates written in YAML, short-form intrinsic functions included
 * (`!Ref`, `!Sub`, `!GetAtt`, `!If`…), into their long JSON form (`{ Ref: … }`, `{ "Fn::Sub": … }`),
 * the same shape CloudFormation itself works on. Pure: no I/O.
 */
import { parseDocument, type Tags } from "yaml";
import { ResponderError } from "../errors/index.ts";

/** Any value in a parsed template. */
export type CfnValue = string | number | boolean | null | CfnValue[] | CfnObject;

/** A mapping in a parsed template. */
export interface CfnObject {
  [key: string]: CfnValue;
}

/** One entry of the `Resources` section. */
export interface CfnResource {
  Type: string;
  Properties?: CfnObject;
  Condition?: string;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: CfnObject;
}

/** A parsed template. Sections other than `Resources` are present only if the template has them. */
export interface CfnTemplate {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Metadata?: CfnObject;
  Parameters?: Record<string, CfnObject>;
  Mappings?: CfnObject;
  Conditions?: Record<string, CfnValue>;
  Rules?: CfnObject;
  Transform?: CfnValue;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, CfnObject>;
}

/** A template that is not valid YAML, uses an unknown tag, or lacks the shape of a template. */
export class CfnTemplateError extends ResponderError {
  readonly retryable = false;
  readonly code = "CFN_TEMPLATE";
}

type NodeKind = "scalar" | "seq" | "map";

/**
 * Short-form tags: the long-form key each stands for, and the YAML node kinds it may tag
 * (as CloudFormation accepts them).
 */
const SHORT_FORMS: Record<string, { key: string; kinds: NodeKind[] }> = {
  Ref: { key: "Ref", kinds: ["scalar"] },
  Condition: { key: "Condition", kinds: ["scalar"] },
  GetAtt: { key: "Fn::GetAtt", kinds: ["scalar", "seq"] },
  Sub: { key: "Fn::Sub", kinds: ["scalar", "seq"] },
  GetAZs: { key: "Fn::GetAZs", kinds: ["scalar", "map"] },
  ImportValue: { key: "Fn::ImportValue", kinds: ["scalar", "map"] },
  Base64: { key: "Fn::Base64", kinds: ["scalar", "map"] },
  Join: { key: "Fn::Join", kinds: ["seq"] },
  Select: { key: "Fn::Select", kinds: ["seq"] },
  Split: { key: "Fn::Split", kinds: ["seq"] },
  FindInMap: { key: "Fn::FindInMap", kinds: ["seq"] },
  Cidr: { key: "Fn::Cidr", kinds: ["seq"] },
  If: { key: "Fn::If", kinds: ["seq"] },
  Equals: { key: "Fn::Equals", kinds: ["seq"] },
  Not: { key: "Fn::Not", kinds: ["seq"] },
  And: { key: "Fn::And", kinds: ["seq"] },
  Or: { key: "Fn::Or", kinds: ["seq"] },
  Contains: { key: "Fn::Contains", kinds: ["seq"] },
  EachMemberEquals: { key: "Fn::EachMemberEquals", kinds: ["seq"] },
  EachMemberIn: { key: "Fn::EachMemberIn", kinds: ["seq"] },
  RefAll: { key: "Fn::RefAll", kinds: ["scalar"] },
  ValueOf: { key: "Fn::ValueOf", kinds: ["seq"] },
  ValueOfAll: { key: "Fn::ValueOfAll", kinds: ["seq"] },
  Length: { key: "Fn::Length", kinds: ["seq", "map"] },
  ToJsonString: { key: "Fn::ToJsonString", kinds: ["seq", "map"] },
  Transform: { key: "Fn::Transform", kinds: ["map"] },
};

interface ToJson {
  toJSON(): unknown;
}

function buildTags(): Tags {
  const tags: Tags = [];
  for (const [name, { key, kinds }] of Object.entries(SHORT_FORMS)) {
    const tag = `!${name}`;
    for (const kind of kinds) {
      if (kind === "scalar") {
        tags.push({
          tag,
          // `!GetAtt Resource.Attribute.Path` splits at the first dot only.
          resolve: (text: string) => {
            if (name !== "GetAtt") return { [key]: text };
            const dot = text.indexOf(".");
            return { [key]: dot < 0 ? [text] : [text.slice(0, dot), text.slice(dot + 1)] };
          },
        });
      } else {
        tags.push({
          tag,
          collection: kind,
          resolve: (node: ToJson) => ({ [key]: node.toJSON() }),
        } as Tags[number]);
      }
    }
  }
  return tags;
}

const CFN_TAGS = buildTags();

function isObject(value: unknown): value is CfnObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Parses a CloudFormation template written in YAML (or JSON, which is YAML) and returns it with
 * every short-form intrinsic function in its long form: `!Ref X` → `{ Ref: "X" }`,
 * `!GetAtt A.B` → `{ "Fn::GetAtt": ["A", "B"] }`, `!Condition C` → `{ Condition: "C" }`, and so on.
 *
 * @throws {CfnTemplateError} on invalid YAML, duplicate keys, an unknown `!Tag` (or a known one on
 *   the wrong kind of node), or a document without a `Resources` mapping.
 */
export function parseCfnYaml(text: string): CfnTemplate {
  const doc = parseDocument(text, { customTags: CFN_TAGS, uniqueKeys: true });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    throw new CfnTemplateError(problems.map((p) => p.message).join("; "));
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (!isObject(value)) throw new CfnTemplateError("a template must be a mapping");
  if (!isObject(value.Resources)) throw new CfnTemplateError("a template needs a Resources mapping");
  for (const [id, resource] of Object.entries(value.Resources)) {
    if (!isObject(resource) || typeof resource.Type !== "string") {
      throw new CfnTemplateError(`resource ${id} needs a Type`);
    }
  }
  return value as unknown as CfnTemplate;
}

/** The resources of one type, as `[logicalId, resource]` pairs in template order. */
export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/** Narrows a template value to a mapping, or throws a {@link CfnTemplateError} naming `what`. */
export function asObject(value: CfnValue | undefined, what = "value"): CfnObject {
  if (!isObject(value)) throw new CfnTemplateError(`${what} is not a mapping`);
  return value;
}

/** Narrows a template value to a list, or throws a {@link CfnTemplateError} naming `what`. */
export function asArray(value: CfnValue | undefined, what = "value"): CfnValue[] {
  if (!Array.isArray(value)) throw new CfnTemplateError(`${what} is not a list`);
  return value;
}

/** A value that may be one item or a list of items (as IAM `Action` and `Resource` are), as a list. */
export function toList(value: CfnValue | undefined): CfnValue[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
