// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${…}" here is CloudFormation Fn::Sub syntax.
/**
 * The evidence bucket's policy and the manifest signing key's policy (serverless.yml), proven
 * with an independent IAM policy simulator: the emulator enforces neither (it applies a bucket
 * policy's Deny statements without their conditions, so the local provisioner leaves those out).
 *
 * Each request carries the context AWS sets on it (`aws:PrincipalArn`, `aws:SecureTransport`);
 * every principal has an identity policy that allows the action, so the verdict is the
 * resource policy's.
 */
import { readFileSync } from "node:fs";
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import { evaluate, type Physical, type StackContext } from "../../../cli/local/template.ts";
import { parseCfnYaml } from "../../../shared/infra/cfn-yaml.ts";
import { serverlessDoc } from "../iam/roles.ts";

const ACCOUNT = "111122223333";
const ctx: StackContext = {
  stackName: "incident-responder-test",
  accountId: ACCOUNT,
  region: "eu-west-1",
  partition: "aws",
};
const BUCKET = `${ctx.stackName}-evidence-${ACCOUNT}-${ctx.region}`;
const SIGNING_KEY = `arn:aws:kms:${ctx.region}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
const physical: Record<string, Physical> = {
  EvidenceBucket: { type: "AWS::S3::Bucket", ref: BUCKET, attrs: { Arn: `arn:aws:s3:::${BUCKET}` } },
  EvidenceSigningKey: { type: "AWS::KMS::Key", ref: SIGNING_KEY, attrs: { Arn: SIGNING_KEY } },
};
const resources = serverlessDoc().resources.Resources;
const bucketPolicy = evaluate(resources.EvidenceBucketPolicy.Properties.PolicyDocument, ctx, physical);
const keyPolicy = evaluate(resources.EvidenceSigningKey.Properties.KeyPolicy, ctx, physical);

const EVIDENCE_ROLE = `arn:aws:iam::${ACCOUNT}:role/${ctx.stackName}-evidence-${ctx.region}`;
const ADMIN_ROLE = `arn:aws:iam::${ACCOUNT}:role/ops-admin`;
const TRIAGE_ROLE = `arn:aws:iam::${ACCOUNT}:role/${ctx.stackName}-triage-${ctx.region}`;
/** A clean-room workstation role, as infra/cleanroom.yaml creates it (path /incident-responder-cleanroom/). */
const WORKSTATION_ROLE = `arn:aws:iam::${ACCOUNT}:role/incident-responder-cleanroom/ir-cleanroom-WorkstationRole-AB12CD34`;

/** The verdict on `principal` doing `action` on `resource`, its identity policy allowing it. */
async function decide(
  principal: string,
  action: string,
  resource: string,
  resourcePolicy: unknown,
): Promise<string> {
  const simulation: Simulation = {
    identityPolicies: [
      {
        name: "allows-it",
        policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: "*" }] },
      },
    ],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: resourcePolicy as Simulation["resourcePolicy"],
    request: {
      principal,
      action,
      resource: { resource, accountId: ACCOUNT },
      contextVariables: { "aws:PrincipalArn": principal, "aws:SecureTransport": "true" },
    },
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === "error") throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

const object = (key: string) => `arn:aws:s3:::${BUCKET}/${key}`;
const put = (principal: string, key: string, action = "s3:PutObject") =>
  decide(principal, action, object(key), bucketPolicy);

describe("the evidence bucket policy", () => {
  it("lets the evidence role write artifacts and the manifest", async () => {
    expect(await put(EVIDENCE_ROLE, "incidents/ir-20260101-0123abcd/artifacts/instance.json")).toBe(
      "Allowed",
    );
    expect(await put(EVIDENCE_ROLE, "incidents/ir-20260101-0123abcd/manifest.json")).toBe("Allowed");
    expect(
      await put(
        EVIDENCE_ROLE,
        "incidents/ir-20260101-0123abcd/artifacts/m.bin",
        "s3:PutObjectVersionTagging",
      ),
    ).toBe("Allowed");
  });

  it("denies every other role of the account, whatever its own policy allows", async () => {
    for (const role of [ADMIN_ROLE, TRIAGE_ROLE]) {
      expect(await put(role, "incidents/ir-20260101-0123abcd/manifest.json")).toBe("ExplicitlyDenied");
      expect(await put(role, "incidents/ir-20260101-0123abcd/artifacts/instance.json")).toBe(
        "ExplicitlyDenied",
      );
      expect(await put(role, "incidents/ir-20260101-0123abcd/notes/x.md")).toBe("ExplicitlyDenied");
      expect(await put(role, "incidents/ir-20260101-0123abcd/artifacts/m.bin", "s3:PutObjectTagging")).toBe(
        "ExplicitlyDenied",
      );
    }
  });

  it("lets a clean-room workstation write notes, and nothing else", async () => {
    expect(await put(WORKSTATION_ROLE, "incidents/ir-20260101-0123abcd/notes/findings.md")).toBe("Allowed");
    expect(await put(WORKSTATION_ROLE, "incidents/ir-20260101-0123abcd/manifest.json")).toBe(
      "ExplicitlyDenied",
    );
    expect(await put(WORKSTATION_ROLE, "incidents/ir-20260101-0123abcd/artifacts/instance.json")).toBe(
      "ExplicitlyDenied",
    );
    // `*` in the notes pattern also matches `/`: an artifact named notes/<file> stays protected.
    expect(await put(WORKSTATION_ROLE, "incidents/ir-20260101-0123abcd/artifacts/notes/x")).toBe(
      "ExplicitlyDenied",
    );
    expect(await put(WORKSTATION_ROLE, "elsewhere/x")).toBe("ExplicitlyDenied");
  });

  it("still lets nobody delete evidence, the evidence role included", async () => {
    const key = object("incidents/ir-20260101-0123abcd/manifest.json");
    expect(await decide(EVIDENCE_ROLE, "s3:DeleteObjectVersion", key, bucketPolicy)).toBe("ExplicitlyDenied");
  });
});

describe("the manifest signing key", () => {
  it("is an asymmetric P-256 signing key, kept when the stack is removed", () => {
    expect(resources.EvidenceSigningKey).toMatchObject({
      Type: "AWS::KMS::Key",
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      Properties: { KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" },
    });
    expect(serverlessDoc().resources.Outputs.EvidenceSigningKeyArn).toBeDefined();
  });

  it("signs for the evidence role only, and verifies for the account's principals", async () => {
    expect(await decide(EVIDENCE_ROLE, "kms:Sign", SIGNING_KEY, keyPolicy)).toBe("Allowed");
    expect(await decide(ADMIN_ROLE, "kms:Sign", SIGNING_KEY, keyPolicy)).toBe("ExplicitlyDenied");
    expect(await decide(WORKSTATION_ROLE, "kms:Sign", SIGNING_KEY, keyPolicy)).toBe("ExplicitlyDenied");
    expect(await decide(ADMIN_ROLE, "kms:Verify", SIGNING_KEY, keyPolicy)).toBe("Allowed");
  });
});

describe("the clean-room template's notes prefix", () => {
  it("is the prefix the bucket policy leaves open to workstations", () => {
    const template = parseCfnYaml(
      readFileSync(new URL("../../../infra/cleanroom.yaml", import.meta.url), "utf8"),
    );
    const role = template.Resources.WorkstationRole?.Properties ?? {};
    const notes = JSON.stringify(role.Policies);

    expect(notes).toContain("/incidents/${IncidentId}/notes/*");
    expect(role.Path).toBe("/incident-responder-cleanroom/");
  });
});
