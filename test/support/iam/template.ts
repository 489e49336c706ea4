/**
 * The policies of a CloudFormation template as IAM will see them once deployed: every intrinsic
 * function evaluated (Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Split, Fn::Select, Fn::If with the
 * template's conditions, AWS::NoValue) for one account, region and set of parameters, with the
 * physical names CloudFormation gives the resources. Used by the IAM simulation tests to hand
 * the packaged roles, key policy and bucket policy to the policy simulator.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LOCAL_STAGE } from "../../../cli/local/environment.ts";
import { loadServerless, stackName } from "../../../cli/local/serverless.ts";
import { type CfnTemplate, parseCfnYaml } from "../../../shared/infra/cfn-yaml.ts";

// biome-ignore lint/suspicious/noExplicitAny: templates are untyped JSON
type Json = any;

/** Where the template is deployed. */
export interface Deployment {
  account: string;
  region: string;
  stackName: string;
  /** Parameter values (lists as arrays); a parameter not given takes its default. */
  parameters?: Record<string, string | string[]>;
}

const NO_VALUE = Symbol("AWS::NoValue");
const PARTITION = "aws";

/** A deployed template: its resources' evaluated properties and ARNs. */
export interface Deployed {
  deployment: Deployment;
  /** The evaluated `Properties` of a resource. */
  properties(logicalId: string): Json;
  /** The ARN of a resource (Fn::GetAtt …Arn). */
  arn(logicalId: string): string;
  /** Evaluates any template value. */
  evaluate(value: Json): Json;
}

/** Evaluates a parsed template for a deployment. */
export function deploy(template: CfnTemplate | Json, deployment: Deployment): Deployed {
  const resources: Record<string, Json> = template.Resources ?? {};
  const params: Record<string, string | string[]> = {};
  for (const [name, p] of Object.entries<Json>(template.Parameters ?? {})) {
    const given = deployment.parameters?.[name];
    const raw = given ?? p.Default;
    if (raw === undefined) throw new Error(`parameter ${name} has no value and no default`);
    params[name] =
      p.Type === "CommaDelimitedList" && !Array.isArray(raw)
        ? String(raw)
            .split(",")
            .map((x) => x.trim())
        : (raw as string | string[]);
  }
  const conditionCache = new Map<string, boolean>();

  const pseudo = (name: string): string | undefined =>
    ({
      "AWS::AccountId": deployment.account,
      "AWS::Region": deployment.region,
      "AWS::Partition": PARTITION,
      "AWS::StackName": deployment.stackName,
      "AWS::URLSuffix": "amazonaws.com",
    })[name];

  const condition = (name: string): boolean => {
    const hit = conditionCache.get(name);
    if (hit !== undefined) return hit;
    const def = template.Conditions?.[name];
    if (def === undefined) throw new Error(`no condition ${name}`);
    const v = Boolean(evaluate(def));
    conditionCache.set(name, v);
    return v;
  };

  const ref = (name: string): Json => {
    if (name === "AWS::NoValue") return NO_VALUE;
    const p = pseudo(name);
    if (p !== undefined) return p;
    if (name in params) return params[name];
    const res = resources[name];
    if (!res) throw new Error(`Ref ${name}: no such parameter or resource`);
    return physicalRef(name, res);
  };

  const props = (id: string): Json => evaluate(resources[id]?.Properties ?? {});

  const physicalRef = (id: string, res: Json): string => {
    const p = props(id);
    switch (res.Type) {
      case "AWS::SNS::Topic":
        return `arn:${PARTITION}:sns:${deployment.region}:${deployment.account}:${p.TopicName}`;
      case "AWS::SQS::Queue":
        return `https://sqs.${deployment.region}.amazonaws.com/${deployment.account}/${p.QueueName}`;
      case "AWS::S3::Bucket":
        return p.BucketName;
      case "AWS::DynamoDB::Table":
        return p.TableName;
      case "AWS::IAM::Role":
        return p.RoleName ?? id;
      case "AWS::IAM::InstanceProfile":
        return p.InstanceProfileName ?? id;
      case "AWS::IAM::ManagedPolicy":
        return `arn:${PARTITION}:iam::${deployment.account}:policy${p.Path ?? "/"}${p.ManagedPolicyName}`;
      case "AWS::KMS::Key":
        return keyId(deployment);
      case "AWS::Events::EventBus":
        return p.Name;
      default:
        return id;
    }
  };

  const arnOf = (id: string): string => {
    const res = resources[id];
    if (!res) throw new Error(`Fn::GetAtt ${id}: no such resource`);
    const p = props(id);
    const { account, region } = deployment;
    switch (res.Type) {
      case "AWS::IAM::Role":
        return `arn:${PARTITION}:iam::${account}:role${p.Path ?? "/"}${p.RoleName ?? id}`;
      case "AWS::IAM::InstanceProfile":
        return `arn:${PARTITION}:iam::${account}:instance-profile${p.Path ?? "/"}${p.InstanceProfileName ?? id}`;
      case "AWS::SQS::Queue":
        return `arn:${PARTITION}:sqs:${region}:${account}:${p.QueueName}`;
      case "AWS::S3::Bucket":
        return `arn:${PARTITION}:s3:::${p.BucketName}`;
      case "AWS::DynamoDB::Table":
        return `arn:${PARTITION}:dynamodb:${region}:${account}:table/${p.TableName}`;
      case "AWS::KMS::Key":
        return `arn:${PARTITION}:kms:${region}:${account}:key/${keyId(deployment)}`;
      case "AWS::Events::EventBus":
        return `arn:${PARTITION}:events:${region}:${account}:event-bus/${p.Name}`;
      case "AWS::SNS::Topic":
        return physicalRef(id, res);
      default:
        throw new Error(`Fn::GetAtt ${id}.Arn: no ARN known for ${res.Type}`);
    }
  };

  const getAtt = (id: string, attr: string): string => {
    if (attr === "Arn") return arnOf(id);
    const res = resources[id];
    if (res?.Type === "AWS::SQS::Queue" && attr === "QueueName") return props(id).QueueName;
    throw new Error(`Fn::GetAtt ${id}.${attr}: not modelled`);
  };

  const sub = (template: string, vars: Record<string, Json>): string =>
    template.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
      if (name in vars) return String(vars[name]);
      if (name.includes(".") && !name.startsWith("AWS::")) {
        const [id, attr] = name.split(/\.(.*)/s) as [string, string];
        return getAtt(id, attr);
      }
      const v = ref(name);
      if (Array.isArray(v)) throw new Error(`Fn::Sub \${${name}}: a list`);
      return String(v);
    });

  function evaluate(value: Json): Json {
    if (Array.isArray(value)) return value.map(evaluate).filter((v) => v !== NO_VALUE);
    if (!value || typeof value !== "object") return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const key = keys[0] as string;
      const arg = value[key];
      switch (key) {
        case "Ref":
          return ref(String(arg));
        case "Condition":
          return condition(String(arg));
        case "Fn::GetAtt": {
          const [id, attr] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/s);
          return getAtt(String(id), String(attr));
        }
        case "Fn::Sub": {
          const [template, vars] = Array.isArray(arg) ? arg : [arg, {}];
          return sub(String(template), evaluate(vars));
        }
        case "Fn::Join": {
          const [sep, parts] = arg;
          return (evaluate(parts) as Json[]).flat().join(sep);
        }
        case "Fn::Split": {
          const [sep, text] = arg;
          return String(evaluate(text)).split(sep);
        }
        case "Fn::Select": {
          const [index, list] = arg;
          return (evaluate(list) as Json[])[Number(evaluate(index))];
        }
        case "Fn::If": {
          const [cond, yes, no] = arg;
          return evaluate(condition(String(cond)) ? yes : no);
        }
        case "Fn::Not":
          return !evaluate(arg[0]);
        case "Fn::And":
          return (arg as Json[]).every((a) => evaluate(a));
        case "Fn::Or":
          return (arg as Json[]).some((a) => evaluate(a));
        case "Fn::Equals": {
          const [a, b] = (arg as Json[]).map(evaluate);
          return JSON.stringify(a) === JSON.stringify(b);
        }
      }
    }
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) {
      const e = evaluate(v);
      if (e !== NO_VALUE) out[k] = e;
    }
    return out;
  }

  return { deployment, properties: props, arn: arnOf, evaluate };
}

/** A stable key id for a deployment's KMS key. */
function keyId(d: Deployment): string {
  return `11111111-2222-3333-4444-${d.account}`;
}

/** The responder's stage in the simulations: the local runner's, so that names match the recorded calls. */
export const STAGE = LOCAL_STAGE;

/** serverless.yml's `resources` section, as osls hands it to CloudFormation, for a deployment. */
export function responderTemplate(env: NodeJS.ProcessEnv, region: string): { template: Json; stack: string } {
  const doc = loadServerless({ stage: STAGE, region }, undefined, env);
  return { template: doc.resources, stack: stackName(doc, STAGE) };
}

/** The responder's stack deployed in `account` with the given environment. */
export function deployResponder(account: string, region: string, env: NodeJS.ProcessEnv = {}): Deployed {
  const { template, stack } = responderTemplate(env, region);
  return deploy(template, { account, region, stackName: stack });
}

/** infra/member-account-role.yaml deployed in a member account. */
export function deployMemberStack(
  account: string,
  region: string,
  parameters: Record<string, string>,
): Deployed {
  const file = fileURLToPath(new URL("../../../infra/member-account-role.yaml", import.meta.url));
  return deploy(parseCfnYaml(readFileSync(file, "utf8")), {
    account,
    region,
    stackName: "incident-responder-member",
    parameters,
  });
}

/** The inline policies of a role resource, evaluated. */
export function rolePolicies(d: Deployed, roleId: string): { name: string; policy: Json }[] {
  const p = d.properties(roleId);
  return (p.Policies ?? []).map((x: Json) => ({ name: String(x.PolicyName), policy: x.PolicyDocument }));
}

/** The trust policy of a role resource, evaluated. */
export function trustPolicy(d: Deployed, roleId: string): Json {
  return d.properties(roleId).AssumeRolePolicyDocument;
}
