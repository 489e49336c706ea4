/**
 * Alerts of an incident whose plan left protected instances alone: the subject says
 * "PROTECTED, NOT CONTAINED" and the body tells a person how to contain by hand.
 */
import { describe, expect, it } from "vitest";
import { byHandCommands, PROTECTED_WORD } from "../../../shared/alerts/by-hand.ts";
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
