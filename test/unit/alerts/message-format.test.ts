/**
 * The whole alert, line by line and key by key: what a person reads in the e-mail and what a
 * machine reads in the JSON form are the contract, so they are pinned here in full, for a
 * rich incident and for the edges (closed, dry run, nothing known, a rejected event, long lists).
 */
import { describe, expect, it } from "vitest";
import {
  buildAlert,
  buildAttributes,
  buildSubject,
  compactType,
  evidenceLocation,
  STAGE_WORD,
  shortId,
  truncate,
  whereOf,
} from "../../../shared/alerts/message.ts";
import type { IncidentRecord } from "../../../shared/incident/model.ts";
import { anIncident } from "../../support/incidents.ts";

const ID = "ir-20260302-0a1b2c3d";

/** A contained drill with one action waiting for approval, a note, and a step of its own. */
function richIncident(): IncidentRecord {
  const inc = anIncident();
  inc.steps.custom = { status: "ok", attempts: 1, startedAt: inc.createdAt };
  inc.plan.actions = inc.plan.actions.map((a) =>
    a.name === "launch-cleanroom" ? { ...a, requiresApproval: true } : a,
  );
  inc.plan.notes = ["note one"];
  return inc;
}

/** Nothing known: closed, a dry run, no resource, tags, owner, reasons, steps or plan. */
function bareIncident(): IncidentRecord {
  const inc = anIncident({ status: "closed", dryRun: true, drill: false, steps: {} });
  inc.finding = { ...inc.finding, resources: [], scenario: undefined };
  inc.impact = { score: 10, tier: "low", reasons: [], tags: {} };
  inc.plan = { playbook: "pb", actions: [], notes: [] };
  inc.evidence = {
    snapshots: [{ snapshotId: "snap-1", volumeId: "vol-1", deviceName: "/dev/xvda", state: "completed" }],
  };
  return inc;
}

/** What a subscriber of the JSON form receives. */
const wire = (json: Record<string, unknown>) => JSON.parse(JSON.stringify(json));

// Each test builds its alert itself: mutation testing counts only what runs inside a test.
describe("the whole alert of a contained incident", () => {
  const containedAlert = () =>
    buildAlert({
      stage: "contained",
      incident: richIncident(),
      summary: "Contained in 2 rounds.",
      evidenceBucket: "acme-evidence",
      at: "2026-03-02T10:00:03.000Z",
      done: [
        { name: "isolate-network", target: "eni-0aaa", status: "ok", detail: "isolation group sg-0iso" },
      ],
      failed: [{ what: "tag", error: "AccessDenied" }],
      leftToDo: ["check logs"],
      facts: { Connect: "ssh x" },
    });

  it("reads, for a person, as this text", () => {
    expect(containedAlert().text).toBe(
      [
        "[DRILL] [CRITICAL] i-0123…def0 contained — CryptoCurrency:EC2/BitcoinTool.B!DNS — payments-web-1",
        "",
        "Contained in 2 rounds.",
        "",
        `Incident:   ${ID} (DRILL: crypto-mining), opened 2026-03-02T10:00:00.180Z`,
        "What:       CryptoCurrency:EC2/BitcoinTool.B!DNS (guardduty, severity 8)",
        "            EC2 instance i-0123456789abcdef0 is querying a domain name associated with Bitcoin activity.",
        "Where:      ec2-instance i-0123456789abcdef0 — payments-web-1; account 123456789012, us-east-1",
        "Owner:      payments-team@example.com",
        "Work queue: SEC-PAYMENTS",
        "Impact:     CRITICAL, score 85/100, because:",
        "            - GuardDuty severity 8.0: +40",
        "            - Environment=prod: +20",
        "            - DataClassification=restricted: +30",
        "Plan:       guardduty-ec2-critical-high: contain-instance, capture-snapshots, collect-artifacts, launch-cleanroom (needs approval), notify",
        "            note: note one",
        "Steps:      triage ok · contain verified · snapshots ok · artifacts partial · manifest ok · cleanroom ok · custom ok",
        "",
        "Done:",
        "  - isolate-network eni-0aaa: ok — isolation group sg-0iso",
        "",
        "FAILED:",
        "  - tag: AccessDenied",
        "",
        "Left to do:",
        "  - check logs",
        "",
        "Connect:    ssh x",
        "",
        "Next:",
        `  Status:     responder status ${ID}`,
        `  Release:    responder release ${ID}  (restores the recorded pre-isolation state)`,
        `  Report:     responder report ${ID}`,
        `  Close:      responder close ${ID}`,
        `  Evidence:   s3://acme-evidence/incidents/${ID}/ (manifest incidents/${ID}/manifest.json; snapshots snap-0aaa1111, snap-0bbb2222)`,
        "",
      ].join("\n"),
    );
  });

  it("carries, for machines, these keys and values", () => {
    expect(wire(containedAlert().json)).toStrictEqual({
      version: 1,
      stage: "contained",
      at: "2026-03-02T10:00:03.000Z",
      subject:
        "[DRILL] [CRITICAL] i-0123…def0 contained — CryptoCurrency:EC2/BitcoinTool.B!DNS — payments-web-1",
      summary: "Contained in 2 rounds.",
      incidentId: ID,
      status: "open",
      drill: true,
      scenario: "crypto-mining",
      dryRun: false,
      tier: "critical",
      score: 85,
      severity: 8,
      findingType: "CryptoCurrency:EC2/BitcoinTool.B!DNS",
      findingTitle:
        "EC2 instance i-0123456789abcdef0 is querying a domain name associated with Bitcoin activity.",
      findingId: "f0b37a7d5504bba0ec3493e776a0c54f",
      source: "guardduty",
      account: "123456789012",
      region: "us-east-1",
      where: "payments-web-1",
      resources: [{ kind: "ec2-instance", id: "i-0123456789abcdef0" }],
      owner: "payments-team@example.com",
      workQueue: "SEC-PAYMENTS",
      reasons: ["GuardDuty severity 8.0: +40", "Environment=prod: +20", "DataClassification=restricted: +30"],
      plan: {
        playbook: "guardduty-ec2-critical-high",
        actions: [
          { name: "contain-instance", requiresApproval: false },
          { name: "capture-snapshots", requiresApproval: false },
          { name: "collect-artifacts", requiresApproval: false },
          { name: "launch-cleanroom", requiresApproval: true },
          { name: "notify", requiresApproval: false },
        ],
        notes: ["note one"],
      },
      steps: {
        triage: { status: "ok", detail: "critical (85)" },
        contain: { status: "verified", detail: "i-0123456789abcdef0: verified in 2 rounds, 21 calls" },
        snapshots: { status: "ok", detail: "3 snapshots completed" },
        artifacts: {
          status: "partial",
          detail: "6 artifacts archived, 1 unsupported, 1 failed",
          error: "console-output.txt: AccessDenied",
        },
        manifest: {
          status: "ok",
          detail: `manifest incidents/${ID}/manifest.json: 7 artifacts, 3 snapshots`,
        },
        cleanroom: { status: "ok", detail: "stack CREATE_COMPLETE" },
        custom: { status: "ok" },
      },
      done: [
        { name: "isolate-network", target: "eni-0aaa", status: "ok", detail: "isolation group sg-0iso" },
      ],
      failed: [{ what: "tag", error: "AccessDenied" }],
      leftToDo: ["check logs"],
      facts: { Connect: "ssh x" },
      evidence: {
        location: `s3://acme-evidence/incidents/${ID}/`,
        bucket: "acme-evidence",
        manifestKey: `incidents/${ID}/manifest.json`,
        manifestSha256: "b".repeat(64),
        snapshots: ["snap-0aaa1111", "snap-0bbb2222"],
      },
      commands: {
        status: `responder status ${ID}`,
        release: `responder release ${ID}`,
        report: `responder report ${ID}`,
        close: `responder close ${ID}`,
      },
    });
  });

  it("keeps the resource's ARN when the finding names one", () => {
    const inc = richIncident();
    inc.finding.resources = [
      { kind: "ec2-instance", id: "i-1", arn: "arn:aws:ec2:us-east-1:1:instance/i-1" },
    ];

    const { json } = buildAlert({ stage: "opened", incident: inc, summary: "" });

    expect(json.resources).toStrictEqual([
      { kind: "ec2-instance", id: "i-1", arn: "arn:aws:ec2:us-east-1:1:instance/i-1" },
    ]);
  });
});

describe("the whole alert of an incident the responder knows little about", () => {
  const bareAlert = () => buildAlert({ stage: "closed", incident: bareIncident(), summary: "Closed." });

  it("says so in words, and offers no command a closed incident cannot take", () => {
    expect(bareAlert().text).toBe(
      [
        "[LOW] 123456789012 closed — CryptoCurrency:EC2/BitcoinTool.B!DNS — account 123456789012",
        "",
        "Closed.",
        "",
        `Incident:   ${ID} (dry run: nothing is changed), opened 2026-03-02T10:00:00.180Z, closed`,
        "What:       CryptoCurrency:EC2/BitcoinTool.B!DNS (guardduty, severity 8)",
        "            EC2 instance i-0123456789abcdef0 is querying a domain name associated with Bitcoin activity.",
        "Where:      (none) — account 123456789012; account 123456789012, us-east-1",
        "Owner:      unknown (no Owner tag)",
        "Work queue: unknown (no WorkQueue tag)",
        "Impact:     LOW, score 10/100",
        "Plan:       pb: none",
        "Steps:      (none yet)",
        "",
        "Next:",
        `  Status:     responder status ${ID}`,
        `  Report:     responder report ${ID}`,
        `  Evidence:   s3://<evidence bucket>/incidents/${ID}/ (snapshots snap-1)`,
        "",
      ].join("\n"),
    );
  });

  it("gives machines the same, without the keys it does not know", () => {
    expect(wire(bareAlert().json)).toStrictEqual({
      version: 1,
      stage: "closed",
      subject: "[LOW] 123456789012 closed — CryptoCurrency:EC2/BitcoinTool.B!DNS — account 123456789012",
      summary: "Closed.",
      incidentId: ID,
      status: "closed",
      drill: false,
      dryRun: true,
      tier: "low",
      score: 10,
      severity: 8,
      findingType: "CryptoCurrency:EC2/BitcoinTool.B!DNS",
      findingTitle:
        "EC2 instance i-0123456789abcdef0 is querying a domain name associated with Bitcoin activity.",
      findingId: "f0b37a7d5504bba0ec3493e776a0c54f",
      source: "guardduty",
      account: "123456789012",
      region: "us-east-1",
      where: "account 123456789012",
      resources: [],
      reasons: [],
      plan: { playbook: "pb", actions: [], notes: [] },
      steps: {},
      evidence: { location: `s3://<evidence bucket>/incidents/${ID}/`, snapshots: ["snap-1"] },
      commands: { status: `responder status ${ID}`, report: `responder report ${ID}` },
    });
  });

  it("names the manifest alone when there is no snapshot, and every snapshot when there is no manifest", () => {
    const manifestOnly = anIncident();
    manifestOnly.evidence = { manifestKey: "incidents/x/manifest.json" };
    const snapshotsOnly = anIncident();
    snapshotsOnly.evidence = {
      snapshots: [
        { snapshotId: "snap-1", volumeId: "vol-1", deviceName: "/dev/xvda", state: "completed" },
        { snapshotId: "snap-2", volumeId: "vol-2", deviceName: "/dev/sdf", state: "pending" },
      ],
    };

    const evidenceLine = (inc: IncidentRecord) =>
      buildAlert({ stage: "opened", incident: inc, summary: "" }).text.split("\n").at(-2);

    expect(evidenceLine(manifestOnly)).toBe(
      `  Evidence:   s3://<evidence bucket>/incidents/${ID}/ (manifest incidents/x/manifest.json)`,
    );
    expect(evidenceLine(snapshotsOnly)).toBe(
      `  Evidence:   s3://<evidence bucket>/incidents/${ID}/ (snapshots snap-1, snap-2)`,
    );
  });

  it("handles an incident with no evidence record at all", () => {
    const inc = anIncident();
    delete inc.evidence;

    const { text, json } = buildAlert({ stage: "opened", incident: inc, summary: "" });

    expect(text.split("\n").at(-2)).toBe(`  Evidence:   s3://<evidence bucket>/incidents/${ID}/`);
    expect(wire(json).evidence).toStrictEqual({
      location: `s3://<evidence bucket>/incidents/${ID}/`,
      snapshots: [],
    });
  });

  it("lists the steps in the lanes' order, whatever order the record holds them in", () => {
    const inc = anIncident();
    const { triage, contain, snapshots } = inc.steps;
    inc.steps = { extra: { status: "ok", attempts: 1, startedAt: inc.createdAt } };
    if (snapshots) inc.steps.snapshots = snapshots;
    if (contain) inc.steps.contain = contain;
    if (triage) inc.steps.triage = triage;

    const { text } = buildAlert({ stage: "opened", incident: inc, summary: "" });

    expect(text).toContain("\nSteps:      triage ok · contain verified · snapshots ok · extra ok\n");
  });

  it("names every resource of the finding where it is", () => {
    const inc = anIncident();
    inc.finding.resources = [
      { kind: "ec2-instance", id: "i-1" },
      { kind: "ec2-volume", id: "vol-2" },
    ];

    const { text } = buildAlert({ stage: "opened", incident: inc, summary: "" });

    expect(text).toContain(
      "\nWhere:      ec2-instance i-1, ec2-volume vol-2 — payments-web-1; account 123456789012, us-east-1\n",
    );
  });

  it("names a drill without a scenario as a drill", () => {
    const inc = anIncident();
    inc.finding.scenario = undefined;

    const { text, json } = buildAlert({ stage: "opened", incident: inc, summary: "" });

    expect(text).toContain(`Incident:   ${ID} (DRILL), opened `);
    expect(json).not.toHaveProperty("scenario", expect.anything());
  });

  it("names the evidence location when the plan collects evidence that has no snapshot yet", () => {
    const inc = anIncident();
    inc.evidence = {};

    const { text, json } = buildAlert({ stage: "opened", incident: inc, summary: "" });

    expect(text).toContain(`  Evidence:   s3://<evidence bucket>/incidents/${ID}/\n`);
    expect(wire(json).evidence).toStrictEqual({
      location: `s3://<evidence bucket>/incidents/${ID}/`,
      snapshots: [],
    });
  });
});

describe("the commands an alert offers", () => {
  const nextOf = (text: string) => text.slice(text.indexOf("\nNext:\n") + 1).split("\n");

  it("offers approve and deny, with a reason, first while actions wait", () => {
    const { text, json } = buildAlert({ stage: "awaiting-approval", incident: anIncident(), summary: "" });

    expect(nextOf(text).slice(0, 4)).toStrictEqual([
      "Next:",
      `  Approve:    responder approve ${ID} --reason "…"`,
      `  Deny:       responder deny ${ID} --reason "…"`,
      `  Status:     responder status ${ID}`,
    ]);
    expect(json.commands).toMatchObject({
      approve: `responder approve ${ID}`,
      deny: `responder deny ${ID}`,
    });
  });

  it("says to contain by hand, before anything else, when containment failed", () => {
    const { text, json } = buildAlert({ stage: "containment-failed", incident: anIncident(), summary: "" });

    expect(nextOf(text).slice(0, 3)).toStrictEqual([
      "Next:",
      "  Contain:    by hand: see FAILED above, then check again with responder status",
      `  Status:     responder status ${ID}`,
    ]);
    expect(json.commands).not.toHaveProperty("approve");
  });

  it("offers no release in the release alert, nor once the incident is closed", () => {
    const released = buildAlert({ stage: "released", incident: anIncident(), summary: "" });
    const closed = buildAlert({
      stage: "contained",
      incident: anIncident({ status: "closed" }),
      summary: "",
    });
    const partial = anIncident();
    partial.steps.contain = { status: "partial", attempts: 1, startedAt: partial.createdAt };
    const contained = buildAlert({ stage: "contained", incident: partial, summary: "" });

    for (const alert of [released, closed]) {
      expect(alert.text).not.toContain("Release:");
      expect(alert.json.commands).not.toHaveProperty("release");
    }
    expect(closed.json.commands).not.toHaveProperty("close");
    expect(contained.text).toContain(`  Release:    responder release ${ID}`);
    expect(contained.json.commands).toHaveProperty("release", `responder release ${ID}`);
  });
});

describe("an alert without an incident", () => {
  it("names the event and the account of a rejected event, and where to find it", () => {
    const alert = buildAlert({
      stage: "rejected",
      summary: "bad",
      about: "aws.guardduty GuardDuty Finding",
      account: "123456789012",
    });

    expect(alert.text).toBe(
      [
        "[INFO] aws.guardduty GuardDuty Finding event rejected — account 123456789012",
        "",
        "bad",
        "",
        "Event:      aws.guardduty GuardDuty Finding",
        "Account:    123456789012",
        "",
        "Next:",
        "  List:       responder deadletters",
        "",
      ].join("\n"),
    );
    expect(wire(alert.json)).toStrictEqual({
      version: 1,
      stage: "rejected",
      subject: "[INFO] aws.guardduty GuardDuty Finding event rejected — account 123456789012",
      summary: "bad",
      drill: false,
      dryRun: false,
      account: "123456789012",
      about: "aws.guardduty GuardDuty Finding",
      commands: { deadLetters: "responder deadletters" },
    });
  });

  it("adds only the lines it has", () => {
    const onlyAccount = buildAlert({ stage: "rejected", summary: "s", account: "123456789012" });
    const onlyAbout = buildAlert({ stage: "rejected", summary: "s", about: "x.y" });
    const neither = buildAlert({ stage: "preflight", summary: "s" });

    expect(onlyAccount.text).toContain("\nAccount:    123456789012\n");
    expect(onlyAccount.text).not.toContain("Event:");
    expect(onlyAbout.text).toContain("\nEvent:      x.y\n");
    expect(onlyAbout.text).not.toContain("Account:");
    expect(neither.text).toBe("[INFO] event changed\n\ns\n\n");
    expect(wire(neither.json)).toStrictEqual({
      version: 1,
      stage: "preflight",
      subject: "[INFO] event changed",
      summary: "s",
      drill: false,
      dryRun: false,
    });
  });
});

describe("long lists and long text in an alert", () => {
  const many = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

  it("shows 60 items of a list and says how many more, and sends machines at most 120", () => {
    const alert = buildAlert({
      stage: "failed",
      incident: anIncident(),
      summary: "",
      leftToDo: many(130, (i) => `task ${i}`),
      failed: many(61, (i) => ({ what: `w${i}`, error: "e" })),
      done: many(60, (i) => ({ name: "snapshot", target: `vol-${i}`, status: "ok" as const, detail: "d" })),
    });

    const section = (title: string) => {
      const lines = alert.text.split("\n");
      const start = lines.indexOf(title);
      const end = lines.indexOf("", start);
      return lines.slice(start + 1, end);
    };
    expect(section("Left to do:")).toHaveLength(61);
    expect(section("Left to do:").at(-2)).toBe("  - task 59");
    expect(section("Left to do:").at(-1)).toBe("  … and 70 more");
    expect(section("FAILED:").at(-1)).toBe("  … and 1 more");
    expect(section("Done:")).toHaveLength(60);
    expect(section("Done:").at(-1)).toBe("  - snapshot vol-59: ok — d");
    expect(alert.json.leftToDo).toHaveLength(120);
    expect(alert.json.failed).toHaveLength(61);
  });

  it("shows 60 reasons and 60 notes at most", () => {
    const inc = anIncident();
    inc.impact.reasons = many(61, (i) => ({ factor: "f", points: 1, text: `reason ${i}` }));
    inc.plan.notes = many(61, (i) => `n${i}`);

    const { text, json } = buildAlert({ stage: "opened", incident: inc, summary: "" });

    expect(text).toContain("- reason 59\n");
    expect(text).not.toContain("reason 60");
    expect(text).toContain("note: n59\n");
    expect(text).not.toContain("note: n60");
    expect(json.reasons).toHaveLength(61);
    expect((json.plan as { notes: string[] }).notes).toHaveLength(61);
  });

  it("cuts every untrusted field at its own length, in the text and in the JSON form", () => {
    const long = "x".repeat(2000);
    const inc = anIncident();
    inc.finding = { ...inc.finding, title: long, type: long, scenario: long };
    inc.finding.resources = [{ kind: "ec2-instance", id: long }];
    inc.impact = {
      ...inc.impact,
      owner: long,
      workQueue: long,
      reasons: [{ factor: "f", points: 1, text: long }],
    };
    inc.impact.tags = { Name: long };
    inc.plan = { ...inc.plan, playbook: long, notes: [long] };
    inc.steps = {
      triage: { status: "failed", attempts: 1, startedAt: inc.createdAt, detail: long, error: long },
    };

    const { json } = buildAlert({
      stage: "failed",
      incident: inc,
      summary: long,
      done: [{ name: "snapshot", target: long, status: "ok", detail: long }],
      failed: [{ what: long, error: long }],
      leftToDo: [long],
      facts: { [long]: long },
    });

    // The length of each field, "…" included, as the JSON form sends it.
    const w = wire(json);
    const lengths = {
      summary: w.summary.length,
      scenario: w.scenario.length,
      findingType: w.findingType.length,
      findingTitle: w.findingTitle.length,
      where: w.where.length,
      resource: w.resources[0].id.length,
      owner: w.owner.length,
      workQueue: w.workQueue.length,
      reason: w.reasons[0].length,
      playbook: w.plan.playbook.length,
      note: w.plan.notes[0].length,
      stepDetail: w.steps.triage.detail.length,
      stepError: w.steps.triage.error.length,
      doneTarget: w.done[0].target.length,
      doneDetail: w.done[0].detail.length,
      failedWhat: w.failed[0].what.length,
      failedError: w.failed[0].error.length,
      leftToDo: w.leftToDo[0].length,
      factKey: Object.keys(w.facts)[0]?.length,
      factValue: (Object.values(w.facts)[0] as string).length,
    };
    expect(lengths).toStrictEqual({
      summary: 1000,
      scenario: 64,
      findingType: 200,
      findingTitle: 300,
      where: 200,
      resource: 200,
      owner: 200,
      workQueue: 200,
      reason: 200,
      playbook: 120,
      note: 300,
      stepDetail: 400,
      stepError: 400,
      doneTarget: 120,
      doneDetail: 300,
      failedWhat: 200,
      failedError: 400,
      leftToDo: 300,
      factKey: 40,
      factValue: 600,
    });
    expect(w.summary.endsWith("x…")).toBe(true);
  });

  it("cuts the same fields of the text at the same lengths", () => {
    const long = "ж".repeat(2000);
    const inc = anIncident({ drill: true });
    inc.finding = { ...inc.finding, title: long, type: long, scenario: long };
    inc.finding.resources = [{ kind: "ec2-instance", id: long }];
    inc.impact = {
      ...inc.impact,
      owner: long,
      workQueue: long,
      reasons: [{ factor: "f", points: 1, text: long }],
    };
    inc.impact.tags = { Name: long };
    inc.plan = { ...inc.plan, playbook: long, notes: [long] };

    const { text } = buildAlert({
      stage: "failed",
      incident: inc,
      summary: long,
      done: [{ name: "snapshot", target: long, status: "ok", detail: long }],
      failed: [{ what: long, error: long }],
      leftToDo: [long],
      facts: { [long]: long },
    });

    // Every run of ж's in the body (the subject aside), with its "…": the caps, in body order.
    const runs = text
      .split("\n")
      .slice(1)
      .flatMap((line) => line.match(/ж+…?/g) ?? [])
      .map((run) => run.length);
    expect(runs).toStrictEqual([
      1000, // summary
      64, // drill scenario
      200, // type
      300, // title
      200, // resource id
      200, // where
      200, // owner
      200, // work queue
      200, // reason
      120, // playbook
      300, // note
      120, // done target
      300, // done detail
      200, // failed what
      400, // failed error
      300, // left to do
      40, // fact key (then its ":")
      600, // fact value
    ]);
  });
});

describe("where an incident is, and where its evidence is", () => {
  const withImpact = (impact: Partial<IncidentRecord["impact"]>) => {
    const inc = anIncident();
    return { ...inc, impact: { ...inc.impact, ...impact } };
  };

  it("takes the Name tag, in either spelling, then the owner, then the account; never blank text", () => {
    expect(whereOf(withImpact({ tags: { Name: "web-1" } }))).toBe("web-1");
    expect(whereOf(withImpact({ tags: { name: "web-2" } }))).toBe("web-2");
    expect(whereOf(withImpact({ tags: { Name: "  " }, owner: "team" }))).toBe("team");
    expect(whereOf(withImpact({ tags: {}, owner: " " }))).toBe("account 123456789012");
    expect(whereOf(withImpact({ tags: {}, owner: undefined }))).toBe("account 123456789012");
  });

  it("names the deployment's bucket, or says that it is the evidence bucket", () => {
    expect(evidenceLocation("ir-1", "b")).toBe("s3://b/incidents/ir-1/");
    expect(evidenceLocation("ir-1")).toBe("s3://<evidence bucket>/incidents/ir-1/");
  });
});

describe("the subject, at each step of shortening", () => {
  const named = (name: string, drill = false) => {
    const inc = anIncident({ drill });
    inc.impact.tags = { Name: name };
    return inc;
  };
  const subject = (
    name: string,
    stage: "contained" | "cleanroom-destroyed" | "containment-failed" = "contained",
    drill = false,
  ) => buildSubject({ stage, incident: named(name, drill), summary: "" });
  const n = (k: number) => "n".repeat(k);

  it("keeps everything whole while it fits in 99 characters", () => {
    expect(subject(n(17))).toBe(
      `[CRITICAL] i-0123456789abcdef0 contained — CryptoCurrency:EC2/BitcoinTool.B!DNS — ${n(17)}`,
    );
  });

  it("shortens the id first", () => {
    expect(subject(n(18))).toBe(
      `[CRITICAL] i-0123…def0 contained — CryptoCurrency:EC2/BitcoinTool.B!DNS — ${n(18)}`,
    );
    expect(subject(n(25))).toHaveLength(99);
  });

  it("then drops the type's resource part", () => {
    expect(subject(n(26))).toBe(
      `[CRITICAL] i-0123…def0 contained — CryptoCurrency:BitcoinTool.B!DNS — ${n(26)}`,
    );
    expect(subject(n(29))).toHaveLength(99);
  });

  it("then cuts the type to the room left, and the where to 32 characters", () => {
    expect(subject(n(30))).toBe(
      `[CRITICAL] i-0123…def0 contained — CryptoCurrency:BitcoinTool.B!D… — ${n(30)}`,
    );
    expect(subject(n(40), "containment-failed", true)).toBe(
      `[DRILL] [CRITICAL] i-0123…def0 CONTAINMENT FAILED — CryptoCurre… — ${n(31)}…`,
    );
  });

  it("then leaves the type out, when fewer than 12 characters of it would fit", () => {
    expect(subject(n(40), "cleanroom-destroyed", true)).toBe(
      `[DRILL] [CRITICAL] i-0123…def0 clean room destroyed — ${n(31)}…`,
    );
  });

  it("and at last cuts the whole subject, the id cut to 24 characters", () => {
    const inc = named(n(40), true);
    inc.finding.resources = [{ kind: "ec2-instance", id: "x".repeat(40) }];
    inc.plan.protected = [
      { kind: "ec2-instance", id: "i-1", reason: "r" },
      { kind: "ec2-instance", id: "i-2", reason: "r" },
    ];

    expect(buildSubject({ stage: "opened", incident: inc, summary: "" })).toBe(
      `[DRILL] [CRITICAL] ${"x".repeat(23)}… opened: 2 PROTECTED, NOT CONTAINED — ${n(17)}…`,
    );
  });

  it("says INFO, the event and the account for an alert without an incident", () => {
    expect(buildSubject({ stage: "rejected", summary: "", about: "a.b", account: "123456789012" })).toBe(
      "[INFO] a.b event rejected — account 123456789012",
    );
    expect(buildSubject({ stage: "rejected", summary: "" })).toBe("[INFO] event event rejected");
  });
});

describe("the stage words", () => {
  it("say what happened, loud where a person must act", () => {
    expect(STAGE_WORD).toStrictEqual({
      opened: "incident opened",
      recurred: "RECURRED",
      escalated: "ESCALATED",
      contained: "contained",
      "containment-failed": "CONTAINMENT FAILED",
      "evidence-preserved": "evidence preserved",
      "cleanroom-ready": "clean room ready",
      "cleanroom-destroyed": "clean room destroyed",
      "awaiting-approval": "awaiting approval",
      protected: "PROTECTED, NOT CONTAINED",
      failed: "FAILED",
      released: "released",
      denied: "action denied",
      closed: "closed",
      rejected: "event rejected",
      preflight: "changed",
    });
  });
});

describe("the shortening rules", () => {
  it("shortens AWS ids of 12 hex digits or more, with a prefix of 1 to 8 letters", () => {
    expect(shortId("i-0123456789ab")).toBe("i-0123…89ab");
    expect(shortId("i-0123456789a")).toBe("i-0123456789a");
    expect(shortId("snapshot-0123456789abcdef")).toBe("snapshot-0123…cdef");
    expect(shortId("snapshots-0123456789abcdef")).toBe("snapshots-0123456789abcdef");
    expect(shortId("-0123456789abcdef")).toBe("-0123456789abcdef");
    expect(shortId("I-0123456789ABCDEF")).toBe("I-0123456789ABCDEF");
    expect(shortId("xi-0123456789abcdef0 ")).toBe("xi-0123456789abcdef0 ");
    expect(shortId(" i-0123456789abcdef0")).toBe(" i-0123456789abcdef0");
    expect(shortId("i-0123456789abcdef0g")).toBe("i-0123456789abcdef0g");
  });

  it("drops the responder's own source prefix, or a GuardDuty type's resource part", () => {
    for (const source of ["cloudtrail", "config", "securityhub", "alarm"])
      expect(compactType(`${source}:Some/Type`)).toBe("Some/Type");
    expect(compactType("guardduty:Some/Type")).toBe("guardduty:Type");
    expect(compactType("Recon:EC2/PortProbeUnprotectedPort")).toBe("Recon:PortProbeUnprotectedPort");
    expect(compactType("Policy:IAMUser/RootCredentialUsage")).toBe("Policy:RootCredentialUsage");
    expect(compactType("Recon:EC2")).toBe("Recon:EC2");
    expect(compactType("PortProbe/Unprotected")).toBe("PortProbe/Unprotected");
    expect(compactType("xcloudtrail:A/B")).toBe("xcloudtrail:B");
    expect(compactType("a/b:c/d")).toBe("a/b:c/d");
  });

  it("cuts at a character boundary, marks the cut, and leaves no trailing space before it", () => {
    expect(truncate("abcdef", 6)).toBe("abcdef");
    expect(truncate("abcdef", 5)).toBe("abcd…");
    expect(truncate("ab  cdef", 5)).toBe("ab…");
    expect(truncate("abcdef", 1)).toBe("…");
    expect(truncate("abcdef", 0)).toBe("");
    expect(truncate("abcdef", -1)).toBe("");
    expect(truncate("", 0)).toBe("");
  });
});

describe("the attributes filter policies see", () => {
  it("sends a missing owner or work queue as unknown, each on its own", () => {
    const noQueue = anIncident();
    noQueue.impact = { ...noQueue.impact, workQueue: undefined };
    const noOwner = anIncident();
    noOwner.impact = { ...noOwner.impact, owner: undefined };

    expect(buildAttributes({ stage: "opened", incident: noQueue, summary: "" })).toMatchObject({
      owner: "payments-team@example.com",
      workQueue: "unknown",
    });
    expect(buildAttributes({ stage: "opened", incident: noOwner, summary: "" })).toMatchObject({
      owner: "unknown",
      workQueue: "SEC-PAYMENTS",
    });
  });

  it("sends owner and work queue as unknown when their tags hold nothing visible", () => {
    const inc = anIncident();
    inc.impact = { ...inc.impact, owner: "\u200b \n", workQueue: "" };

    expect(buildAttributes({ stage: "opened", incident: inc, summary: "" })).toMatchObject({
      owner: "unknown",
      workQueue: "unknown",
    });
  });

  it("leaves out any other attribute with nothing visible, in their order", () => {
    const inc = anIncident();
    inc.finding.type = "\u0000\u202e";

    const attributes = buildAttributes({ stage: "opened", incident: inc, summary: "" });

    expect(Object.keys(attributes)).toStrictEqual([
      "stage",
      "tier",
      "severity",
      "incidentId",
      "account",
      "region",
      "owner",
      "workQueue",
      "drill",
    ]);
  });

  it("cuts a value to 256 characters", () => {
    const inc = anIncident();
    inc.impact = { ...inc.impact, owner: "o".repeat(300) };

    expect(buildAttributes({ stage: "opened", incident: inc, summary: "" }).owner).toBe(
      `${"o".repeat(255)}…`,
    );
  });

  it("routes an alert without an incident by stage, tier none and the account, or unknown", () => {
    expect(buildAttributes({ stage: "preflight", summary: "" })).toStrictEqual({
      stage: "preflight",
      tier: "none",
      account: "unknown",
      drill: "false",
    });
  });
});
