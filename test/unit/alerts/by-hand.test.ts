/**
 * Alerts of an incident whose plan left protected instances alone: the subject says
 * "PROTECTED, NOT CONTAINED" and the body tells a person how to contain by hand.
 */
import { describe, expect, it } from "vitest";
import {
  BY_HAND_DOC,
  byHandCommands,
  PROTECTED_WORD,
  protectedStageWord,
} from "../../../shared/alerts/by-hand.ts";
import { buildAlert, buildSubject } from "../../../shared/alerts/message.ts";
import type { IncidentRecord } from "../../../shared/incident/model.ts";
import { anIncident } from "../../support/incidents.ts";

const ID = "i-0123456789abcdef0";

/** The incident as triage leaves it when its only instance is protected: open, not contained. */
function protectedIncident(more: Partial<IncidentRecord["plan"]> = {}): IncidentRecord {
  const inc = anIncident({ drill: false });
  const { contain: _contain, ...steps } = inc.steps;
  return {
    ...inc,
    steps,
    plan: {
      playbook: "guardduty-ec2-critical-high",
      actions: inc.plan.actions.filter((a) => a.name !== "contain-instance"),
      notes: [
        `${ID} is protected (tag incident-responder:protected=true): not contained`,
        "contain-instance dropped: no instance left to contain",
      ],
      protected: [
        {
          id: ID,
          kind: "ec2-instance",
          reason: `${ID} is protected (tag incident-responder:protected=true)`,
          account: "123456789012",
          region: "us-east-1",
        },
      ],
      ...more,
    },
  };
}

describe("alerts of a protected instance", () => {
  it("says PROTECTED, NOT CONTAINED in the opened alert's subject", () => {
    // Act
    const subject = buildSubject({ stage: "opened", incident: protectedIncident(), summary: "" });

    // Assert
    expect(subject).toBe(
      "[CRITICAL] i-0123…def0 PROTECTED, NOT CONTAINED — CryptoCurrency:BitcoinTool.B!DNS — payments-web-1",
    );
    expect(subject.length).toBeLessThan(100);
  });

  it("keeps the words when everything else must be shortened", () => {
    // Arrange
    const incident = protectedIncident();
    incident.impact = { ...incident.impact, tags: { Name: `payments-${"x".repeat(120)}` } };
    incident.finding = { ...incident.finding, type: `Trojan:EC2/${"DNSDataExfiltration".repeat(6)}` };

    // Act
    const subject = buildSubject({ stage: "opened", incident, summary: "" });

    // Assert
    expect(subject).toContain(PROTECTED_WORD);
    expect(subject.length).toBeLessThan(100);
  });

  it("counts protected instances other than the subject's", () => {
    // Arrange
    const incident = protectedIncident({
      protected: [
        { id: "i-0aaaaaaaaaaaaaaaa", kind: "ec2-instance", reason: "listed" },
        { id: "i-0bbbbbbbbbbbbbbbb", kind: "ec2-instance", reason: "listed" },
      ],
    });

    // Act
    const subject = buildSubject({ stage: "opened", incident, summary: "" });

    // Assert
    expect(subject).toMatch(/^\[CRITICAL\] i-0123…def0 opened: 2 PROTECTED, NOT CONTAINED — /);
  });

  it("leaves the subject of an incident without protected instances as it was", () => {
    expect(buildSubject({ stage: "opened", incident: anIncident({ drill: false }), summary: "" })).toContain(
      "incident opened",
    );
  });

  it("tells a person why, and how to contain it by hand, with the instance's own id and region", () => {
    // Act
    const alert = buildAlert({ stage: "opened", incident: protectedIncident(), summary: "opened" });

    // Assert
    const text = alert.text;
    expect(text).toContain(
      `${PROTECTED_WORD}:\n  - ${ID} (account 123456789012, us-east-1): ${ID} is protected`,
    );
    expect(text).toContain('docs/containment.md, "Containing a protected instance by hand"');
    for (const command of [
      `aws ec2 --region us-east-1 describe-instances --instance-ids ${ID} --output json > ${ID}-before.json`,
      `aws ec2 --region us-east-1 modify-instance-attribute --instance-id ${ID} --disable-api-termination`,
      "aws ec2 --region us-east-1 create-security-group --vpc-id <vpc-id> --group-name ir-20260302-0a1b2c3d-isolation",
      "aws ec2 --region us-east-1 modify-network-interface-attribute --network-interface-id <eni-id> --groups <isolation-sg-id>",
      `aws ec2 --region us-east-1 describe-addresses --filters Name=instance-id,Values=${ID}`,
      "aws ec2 --region us-east-1 disassociate-iam-instance-profile --association-id <iip-assoc-id>",
    ])
      expect(text).toContain(command);
    expect((alert.json.plan as { protected: unknown[] }).protected).toHaveLength(1);
    expect(alert.json.containByHand).toMatchObject({
      doc: 'docs/containment.md, "Containing a protected instance by hand"',
      instances: [
        {
          id: ID,
          commands: expect.arrayContaining([
            `aws ec2 --region us-east-1 modify-instance-attribute --instance-id ${ID} --disable-api-termination`,
          ]),
        },
      ],
    });
    expect(text).not.toContain("Release:");
  });

  it("gives no command for an id or region that does not fit AWS's grammar", () => {
    expect(byHandCommands("i-0123; rm -rf /", "us-east-1", "ir-1")).toEqual([]);
    expect(byHandCommands(ID, "us-east-1 && curl evil", "ir-1")).toEqual([]);
    expect(byHandCommands(ID, "us-east-1", "ir-1; x").join("\n")).toContain("--group-name by-hand-isolation");
  });

  it("adds no section for an incident without protected instances", () => {
    const alert = buildAlert({ stage: "opened", incident: anIncident(), summary: "opened" });

    expect(alert.text).not.toContain(PROTECTED_WORD);
    expect(alert.text).not.toContain("by hand");
    expect(alert.json).not.toHaveProperty("containByHand");
  });
});

describe("the by-hand section in full", () => {
  const instance = (n: number, more: Partial<{ account: string; region: string }> = {}) => ({
    id: `i-0123456789abcdef${n}`,
    kind: "ec2-instance" as const,
    reason: `reason ${n}`,
    ...more,
  });

  it("gives every command, in the responder's own order, with the instance, region and incident filled in", () => {
    const ec2 = "aws ec2 --region eu-west-1";
    const all = `'[{"IpProtocol":"-1","IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]'`;

    expect(byHandCommands(ID, "eu-west-1", "ir-7")).toStrictEqual([
      "# 1. record the state before (VPC, interfaces, groups, addresses, profile)",
      `${ec2} describe-instances --instance-ids ${ID} --output json > ${ID}-before.json`,
      "# 2. keep the evidence: no termination, shutdown stops",
      `${ec2} modify-instance-attribute --instance-id ${ID} --disable-api-termination`,
      `${ec2} modify-instance-attribute --instance-id ${ID} --instance-initiated-shutdown-behavior Value=stop`,
      "# 3. two groups in its VPC: all-open (untracks live flows), then empty",
      `${ec2} create-security-group --vpc-id <vpc-id> --group-name ir-7-untracking --description "untracking ir-7"`,
      `${ec2} authorize-security-group-ingress --group-id <untracking-sg-id> --ip-permissions ${all}`,
      `${ec2} create-security-group --vpc-id <vpc-id> --group-name ir-7-isolation --description "isolation ir-7"`,
      `${ec2} revoke-security-group-egress --group-id <isolation-sg-id> --ip-permissions ${all}`,
      "# 4. every network interface: the untracking group first, then the isolation group",
      `${ec2} modify-network-interface-attribute --network-interface-id <eni-id> --groups <untracking-sg-id>`,
      `${ec2} modify-network-interface-attribute --network-interface-id <eni-id> --groups <isolation-sg-id>`,
      "# 5. Elastic IPs and the instance profile",
      `${ec2} describe-addresses --filters Name=instance-id,Values=${ID}`,
      `${ec2} disassociate-address --association-id <eipassoc-id>`,
      `${ec2} describe-iam-instance-profile-associations --filters Name=instance-id,Values=${ID}`,
      `${ec2} disassociate-iam-instance-profile --association-id <iip-assoc-id>`,
    ]);
  });

  it("names each protected instance with its own account and region, else the incident's", () => {
    const inc = protectedIncident({
      protected: [instance(1, { account: "210987654321", region: "eu-west-1" }), instance(2)],
    });

    const { text } = buildAlert({ stage: "opened", incident: inc, summary: "" });

    expect(text).toContain(
      `\n\n${PROTECTED_WORD}:\n` +
        "  - i-0123456789abcdef1 (account 210987654321, eu-west-1): reason 1\n" +
        "  - i-0123456789abcdef2 (account 123456789012, us-east-1): reason 2\n\n" +
        "The responder leaves protected instances alone: the policy says so, and for tagged ones its\n" +
        "IAM guard denies its own roles any change to them. The incident stays open. If one must be\n" +
        `contained, a person with their own access does it by hand (${BY_HAND_DOC}):\n\n` +
        "  i-0123456789abcdef1:\n" +
        "    # 1. record the state before (VPC, interfaces, groups, addresses, profile)\n" +
        "    aws ec2 --region eu-west-1 describe-instances --instance-ids i-0123456789abcdef1",
    );
    expect(text).toContain("\n  i-0123456789abcdef2:\n    # 1. record");
    expect(text).toContain(
      "aws ec2 --region us-east-1 describe-instances --instance-ids i-0123456789abcdef2",
    );
    expect(text).toContain(
      "\n\n  Credentials already taken from the instance stay valid until they expire: deny the role's\n" +
        "  sessions from this instance (ec2:SourceInstanceARN) as the document shows.\n",
    );
  });

  it("gives commands for the first three only, and points to the document for the rest", () => {
    const inc = protectedIncident({ protected: [1, 2, 3, 4, 5].map((n) => instance(n)) });

    const { text, json } = buildAlert({ stage: "opened", incident: inc, summary: "" });

    expect(text.match(/^ {2}i-\w+:$/gm)).toStrictEqual([
      "  i-0123456789abcdef1:",
      "  i-0123456789abcdef2:",
      "  i-0123456789abcdef3:",
    ]);
    expect(text).toContain(`\n\n  … and 2 more: the same steps, see ${BY_HAND_DOC}\n`);
    const listed = (json.containByHand as { instances: { id: string; reason: string; commands: string[] }[] })
      .instances;
    expect(listed.map((i) => [i.id, i.reason, i.commands.length])).toStrictEqual([
      ["i-0123456789abcdef1", "reason 1", 13],
      ["i-0123456789abcdef2", "reason 2", 13],
      ["i-0123456789abcdef3", "reason 3", 13],
      ["i-0123456789abcdef4", "reason 4", 0],
      ["i-0123456789abcdef5", "reason 5", 0],
    ]);
    expect(listed[0]?.commands.some((c) => c.startsWith("#"))).toBe(false);
  });

  it("gives three instances their commands and says nothing of more", () => {
    const inc = protectedIncident({ protected: [1, 2, 3].map((n) => instance(n)) });

    const { text } = buildAlert({ stage: "opened", incident: inc, summary: "" });

    expect(text.match(/^ {2}i-\w+:$/gm)).toHaveLength(3);
    expect(text).not.toContain("more: the same steps");
  });

  it("says PROTECTED of the subject when it is one of several protected instances", () => {
    const inc = protectedIncident({ protected: [instance(1), { ...instance(2), id: ID }] });

    expect(protectedStageWord("opened", inc)).toBe(PROTECTED_WORD);
  });

  it("counts the protected instances of a finding that names no resource", () => {
    const inc = protectedIncident({ protected: [instance(1)] });
    inc.finding = { ...inc.finding, resources: [] };

    expect(protectedStageWord("opened", inc)).toBe(`opened: 1 ${PROTECTED_WORD}`);
  });

  it("skips the commands of an instance whose id does not fit, and keeps the others'", () => {
    const inc = protectedIncident({
      protected: [{ id: "i-bad; rm -rf /", kind: "ec2-instance", reason: "r" }, instance(2)],
    });

    const { text } = buildAlert({ stage: "opened", incident: inc, summary: "" });

    expect(text).not.toContain("\n  i-bad; rm -rf /:\n");
    expect(text).toContain("\n  i-0123456789abcdef2:\n");
  });

  it("counts instances only: a protected bucket or principal makes no by-hand section", () => {
    const inc = protectedIncident({ protected: [{ id: "my-bucket", kind: "s3-bucket", reason: "r" }] });

    const { text, json } = buildAlert({ stage: "opened", incident: inc, summary: "" });

    expect(text).not.toContain(PROTECTED_WORD);
    expect(json).not.toHaveProperty("containByHand");
  });

  it("says PROTECTED in the protected alert even when the plan lists none, and only in opened and protected", () => {
    const none = anIncident();
    const some = protectedIncident();

    expect(protectedStageWord("protected", none)).toBe(PROTECTED_WORD);
    expect(protectedStageWord("opened", none)).toBeUndefined();
    expect(protectedStageWord("protected", some)).toBe(PROTECTED_WORD);
    expect(protectedStageWord("contained", some)).toBeUndefined();
    expect(protectedStageWord("protected", undefined)).toBe(PROTECTED_WORD);
  });
});
