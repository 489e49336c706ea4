/**
 * infra/tag-guard-scp.yaml: the tags the responder believes (protection, drill, impact, its own
 * incident-responder:* keys) can be set only by the roles the template names. Proved with an
 * independent IAM policy simulator on the service control policy the template deploys.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import { TAG } from "../../../shared/containment/vocabulary.ts";
import { type CfnValue, parseCfnYaml } from "../../../shared/infra/cfn-yaml.ts";
import { DEFAULT_IMPACT_WEIGHTS } from "../../../shared/triage/impact.ts";
import { DEFAULT_PROTECTED_TAG, DRILL_TAG } from "../../../shared/triage/safety.ts";
import { repoRoot } from "../iam/sources.ts";

const template = parseCfnYaml(readFileSync(join(repoRoot, "infra", "tag-guard-scp.yaml"), "utf8"));

const ACCOUNT = "111122223333";
const TAG_ADMIN = `arn:aws:iam::${ACCOUNT}:role/SecurityTagAdmin`;
const RESPONDER = `arn:aws:iam::${ACCOUNT}:role/incident-responder-contain`;
const DEVELOPER = `arn:aws:iam::${ACCOUNT}:role/Developer`;
const INSTANCE = `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/i-0123456789abcdef0`;

const PARAMETERS: Record<string, string[]> = {
  TagAdminPrincipalArns: ["arn:aws:iam::*:role/SecurityTagAdmin", "arn:aws:iam::*:role/TaggingPipeline"],
  ResponderPrincipalArns: ["arn:aws:iam::*:role/incident-responder-*"],
};

// biome-ignore lint/suspicious/noExplicitAny: resolved policy documents are untyped JSON
type Json = any;

/** Resolves the intrinsic functions a policy's Content uses (Ref, Fn::Join, Fn::Split). */
function resolve(value: CfnValue): Json {
  if (Array.isArray(value)) return value.map(resolve);
  if (value === null || typeof value !== "object") return value;
  if ("Ref" in value) {
    const param = PARAMETERS[String(value.Ref)];
    if (!param) throw new Error(`no value for parameter ${String(value.Ref)}`);
    return param;
  }
  if ("Fn::Join" in value) {
    const [sep, parts] = resolve(value["Fn::Join"] as CfnValue) as [string, string[]];
    return parts.join(sep);
  }
  if ("Fn::Split" in value) {
    const [sep, text] = resolve(value["Fn::Split"] as CfnValue) as [string, string];
    return text.split(sep);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
}

const scp = resolve(template.Resources.TagGuardServiceControlPolicy?.Properties?.Content as CfnValue);
const tagPolicy = resolve(template.Resources.TagGuardTagPolicy?.Properties?.Content as CfnValue);
const FULL_ACCESS = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

/** The decision for `principal` (allowed everything by its own policy) under the org's SCPs. */
async function decide(
  principal: string,
  action: string,
  resource: string,
  context: Record<string, string | string[]>,
): Promise<string> {
  const result = await runSimulation(
    {
      identityPolicies: [{ name: "admin", policy: FULL_ACCESS }],
      serviceControlPolicies: [
        {
          orgIdentifier: "ou-abcd-12345678",
          policies: [
            { name: "FullAWSAccess", policy: FULL_ACCESS },
            { name: "incident-responder-tag-guard", policy: scp },
          ],
        },
      ],
      resourceControlPolicies: [],
      request: {
        action,
        principal,
        resource: { accountId: ACCOUNT, resource },
        contextVariables: { "aws:PrincipalArn": principal, ...context },
      },
    },
    {},
  );
  if (result.resultType === "error") throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

const tagging = (principal: string, keys: string[], more: Record<string, string> = {}) =>
  decide(principal, "ec2:CreateTags", INSTANCE, { "aws:TagKeys": keys, ...more });

describe("the tag guard SCP (infra/tag-guard-scp.yaml)", () => {
  it.each([
    { who: "a role it does not name", principal: DEVELOPER, result: "ExplicitlyDenied" },
    { who: "the responder itself", principal: RESPONDER, result: "ExplicitlyDenied" },
    { who: "a named tag administrator", principal: TAG_ADMIN, result: "Allowed" },
  ])("lets $who set incident-responder:protected: $result", async ({ principal, result }) => {
    expect(await tagging(principal, ["incident-responder:protected"])).toBe(result);
  });

  it.each([
    "incident-responder:protected",
    "Incident-Responder:PROTECTED",
    "incident-responder:drill",
    "Environment",
    "environment",
    "Env",
    "DataClassification",
    "Criticality",
    "BusinessCriticality",
  ])("denies %s to a role it does not name, in any case", async (key) => {
    expect(await tagging(DEVELOPER, ["Name", key])).toBe("ExplicitlyDenied");
  });

  it("denies removing a reserved tag, and tagging at creation (RunInstances)", async () => {
    const removing = await decide(DEVELOPER, "ec2:DeleteTags", INSTANCE, { "aws:TagKeys": ["Environment"] });
    const atLaunch = await tagging(DEVELOPER, ["incident-responder:protected"], {
      "ec2:CreateAction": "RunInstances",
    });

    expect([removing, atLaunch]).toEqual(["ExplicitlyDenied", "ExplicitlyDenied"]);
  });

  it("denies Auto Scaling group tags that its instances would inherit", async () => {
    const group = `arn:aws:autoscaling:eu-west-1:${ACCOUNT}:autoScalingGroup:11111111-2222-3333-4444-555555555555:autoScalingGroupName/web`;

    const result = await decide(DEVELOPER, "autoscaling:CreateOrUpdateTags", group, {
      "aws:TagKeys": ["Criticality"],
    });

    expect(result).toBe("ExplicitlyDenied");
  });

  it("lets the responder set its own incident-responder:* keys, and nobody else", async () => {
    const keys = Object.values(TAG);

    expect(await tagging(RESPONDER, keys)).toBe("Allowed");
    expect(await tagging(DEVELOPER, ["incident-responder:incident-id"])).toBe("ExplicitlyDenied");
  });

  it("leaves every other tag alone", async () => {
    expect(await tagging(DEVELOPER, ["Name", "Owner", "CostCenter"])).toBe("Allowed");
  });

  it("reserves every key the responder reads for protection, drills and impact", () => {
    const reserved = scp.Statement.flatMap(
      (s: Json) => s.Condition?.["ForAnyValue:StringEqualsIgnoreCase"]?.["aws:TagKeys"] ?? [],
    ).map((k: string) => k.toLowerCase());
    const read = [
      DEFAULT_PROTECTED_TAG.key,
      DRILL_TAG.key,
      ...Object.values(DEFAULT_IMPACT_WEIGHTS.tags).flatMap((rule) => rule.keys),
    ].map((k) => k.toLowerCase());

    expect(read.filter((k) => !reserved.includes(k))).toEqual([]);
  });

  it("fixes one spelling of the protection tag and the main impact keys", () => {
    const spelled = Object.values(tagPolicy.tags).map((t: Json) => t.tag_key["@@assign"]);

    expect(spelled).toEqual(
      expect.arrayContaining([
        DEFAULT_PROTECTED_TAG.key,
        DRILL_TAG.key,
        ...Object.keys(DEFAULT_IMPACT_WEIGHTS.tags),
      ]),
    );
    expect(tagPolicy.tags[DEFAULT_PROTECTED_TAG.key].tag_value["@@assign"]).toContain(
      DEFAULT_PROTECTED_TAG.value,
    );
  });

  it("fits the size limits of Organizations policies (SCP 5,120 characters, tag policy 10,000)", () => {
    expect(JSON.stringify(scp).length).toBeLessThanOrEqual(5120);
    expect(JSON.stringify(tagPolicy).length).toBeLessThanOrEqual(10_000);
  });
});
