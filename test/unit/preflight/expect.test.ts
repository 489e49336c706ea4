import { describe, expect, it } from "vitest";
import { loadServerless } from "../../../cli/local/serverless.ts";
import { evidenceExpectations, preflightEnv, sourcesUsed } from "../../../cli/preflight/expect.ts";
import { defaultPolicyFile } from "../../../shared/config/index.ts";
import { loadPolicy } from "../../../shared/policy/index.ts";

describe("preflight expectations", () => {
  it("takes the evidence retention and statement ids from the stack template", () => {
    const doc = loadServerless({ stage: "dev", region: "us-east-1" });

    const e = evidenceExpectations(doc.resources.Resources);

    expect(e.retention).toEqual({ days: Number(doc.custom.responder.evidenceRetentionDays) });
    expect(e.policySids).toContain("DenyEvidenceDeletion");
    expect(e.policySids.length).toBe(
      doc.resources.Resources.EvidenceBucketPolicy.Properties.PolicyDocument.Statement.length,
    );
  });

  it("gives the triage function the template's expectations for the daily preflight", () => {
    const doc = loadServerless({ stage: "dev", region: "us-east-1" });
    const env = doc.functions.triage.environment;

    const expected = preflightEnv(doc.resources.Resources, "stack");

    expect(env.PREFLIGHT_STACK_NAME).toEqual({ Ref: "AWS::StackName" });
    expect(String(env.PREFLIGHT_RETENTION_DAYS)).toBe(expected.PREFLIGHT_RETENTION_DAYS);
    expect(env.PREFLIGHT_POLICY_SIDS).toBe(expected.PREFLIGHT_POLICY_SIDS);
    const schedule = doc.functions.triage.events.find((e: { schedule?: { name?: string } }) =>
      e.schedule?.name?.endsWith("-preflight"),
    );
    expect(schedule?.schedule.rate).toBe("rate(1 day)");
  });

  it("refuses a template without Object Lock retention", () => {
    expect(() => evidenceExpectations({ EvidenceBucket: { Properties: {} } })).toThrow(/no Object Lock/);
  });

  it("knows which detection sources the policy answers", () => {
    expect(sourcesUsed(loadPolicy(defaultPolicyFile()))).toEqual({ securityhub: true, config: true });
    expect(
      sourcesUsed({ playbooks: [{ match: { source: ["guardduty"] } }, { match: {} }] } as never),
    ).toEqual({ securityhub: false, config: false });
  });
});
