/**
 * A complete incident record, as the workflows leave it after a drill: for alert, status
 * and report tests. Times are fixed; every part can be overridden.
 */
import { createHash } from "node:crypto";
import { findingRef, type IncidentRecord } from "../../shared/incident/model.ts";

const T0 = Date.parse("2026-03-02T10:00:00.000Z");
const at = (ms: number) => new Date(T0 + ms).toISOString();

export function anIncident(overrides: Partial<IncidentRecord> = {}): IncidentRecord {
  const id = "ir-20260302-0a1b2c3d";
  return {
    incidentId: id,
    status: "open",
    createdAt: at(180),
    updatedAt: at(3400),
    account: "123456789012",
    region: "us-east-1",
    resourceKey: "123456789012#ec2-instance:i-0123456789abcdef0",
    drill: true,
    dryRun: false,
    finding: {
      id: "f0b37a7d5504bba0ec3493e776a0c54f",
      source: "guardduty",
      type: "CryptoCurrency:EC2/BitcoinTool.B!DNS",
      title: "EC2 instance i-0123456789abcdef0 is querying a domain name associated with Bitcoin activity.",
      severity: 8,
      time: at(0),
      account: "123456789012",
      region: "us-east-1",
      resources: [{ kind: "ec2-instance", id: "i-0123456789abcdef0" }],
      drill: true,
      scenario: "crypto-mining",
      raw: {},
    },
    findings: [
      {
        id: "f0b37a7d5504bba0ec3493e776a0c54f",
        source: "guardduty",
        type: "CryptoCurrency:EC2/BitcoinTool.B!DNS",
        time: at(0),
        severity: 8,
      },
    ],
    impact: {
      score: 85,
      tier: "critical",
      reasons: [
        { factor: "severity", points: 40, text: "GuardDuty severity 8.0: +40" },
        { factor: "Environment", points: 20, text: "Environment=prod: +20" },
        { factor: "DataClassification", points: 30, text: "DataClassification=restricted: +30" },
      ],
      owner: "payments-team@example.com",
      workQueue: "SEC-PAYMENTS",
      tags: { Name: "payments-web-1", Environment: "prod", Owner: "payments-team@example.com" },
    },
    plan: {
      playbook: "guardduty-ec2-critical-high",
      actions: [
        { name: "contain-instance", params: {}, requiresApproval: false },
        { name: "capture-snapshots", params: {}, requiresApproval: false },
        { name: "collect-artifacts", params: {}, requiresApproval: false },
        { name: "launch-cleanroom", params: {}, requiresApproval: false },
        { name: "notify", params: {}, requiresApproval: false },
      ],
      notes: [],
    },
    steps: {
      triage: { status: "ok", startedAt: at(180), endedAt: at(180), attempts: 1, detail: "critical (85)" },
      contain: {
        status: "verified",
        startedAt: at(260),
        endedAt: at(1900),
        attempts: 1,
        detail: "i-0123456789abcdef0: verified in 2 rounds, 21 calls",
      },
      snapshots: {
        status: "ok",
        startedAt: at(250),
        endedAt: at(700),
        attempts: 1,
        detail: "3 snapshots completed",
      },
      artifacts: {
        status: "partial",
        startedAt: at(255),
        endedAt: at(1500),
        attempts: 1,
        detail: "6 artifacts archived, 1 unsupported, 1 failed",
        error: "console-output.txt: AccessDenied",
      },
      manifest: {
        status: "ok",
        startedAt: at(1550),
        endedAt: at(2100),
        attempts: 1,
        detail: "manifest incidents/ir-20260302-0a1b2c3d/manifest.json: 7 artifacts, 3 snapshots",
      },
      cleanroom: {
        status: "ok",
        startedAt: at(2150),
        endedAt: at(3300),
        attempts: 1,
        detail: "stack CREATE_COMPLETE",
      },
    },
    timeline: [
      {
        at: at(0),
        step: "detection",
        status: "info",
        detail: "guardduty CryptoCurrency:EC2/BitcoinTool.B!DNS",
      },
      { at: at(180), step: "triage", status: "ok", detail: "impact critical (score 85)" },
      { at: at(700), step: "snapshots", status: "ok", detail: "3 snapshots completed", durationMs: 450 },
      {
        at: at(1500),
        step: "artifacts",
        status: "partial",
        detail: "6 artifacts archived",
        error: "console-output.txt: AccessDenied",
        durationMs: 1245,
      },
      { at: at(1900), step: "contain", status: "verified", detail: "verified in 2 rounds", durationMs: 1640 },
      { at: at(2100), step: "manifest", status: "ok", detail: "manifest written", durationMs: 550 },
      { at: at(3300), step: "cleanroom", status: "ok", detail: "stack CREATE_COMPLETE", durationMs: 1150 },
    ],
    actions: [
      {
        name: "isolate-network",
        target: "eni-0aaa1111bbbb2222c",
        status: "ok",
        detail: "isolation group sg-0iso",
      },
      {
        name: "isolate-network",
        target: "eni-0ddd3333eeee4444f",
        status: "ok",
        detail: "isolation group sg-0iso",
      },
      { name: "snapshot", target: "vol-0123", status: "ok", detail: "snap-0aaa (/dev/xvda)" },
      { name: "artifact", target: "console-output.txt", status: "failed", detail: "AccessDenied" },
    ],
    alerts: [
      {
        stage: "opened",
        at: at(200),
        subject: "[DRILL] [CRITICAL] i-0123456789abcdef0 incident opened — payments-web-1",
      },
      {
        stage: "contained",
        at: at(1950),
        subject: "[DRILL] [CRITICAL] i-0123456789abcdef0 contained — payments-web-1",
      },
      {
        stage: "failed",
        at: at(1520),
        subject: "[DRILL] [CRITICAL] i-0123456789abcdef0 FAILED — payments-web-1",
      },
      {
        stage: "evidence-preserved",
        at: at(2150),
        subject: "[DRILL] [CRITICAL] i-0123456789abcdef0 evidence preserved — payments-web-1",
      },
      {
        stage: "cleanroom-ready",
        at: at(3350),
        subject: "[DRILL] [CRITICAL] i-0123456789abcdef0 clean room ready",
      },
    ],
    approvals: [],
    evidence: {
      snapshots: [
        { snapshotId: "snap-0aaa1111", volumeId: "vol-0123", deviceName: "/dev/xvda", state: "completed" },
        { snapshotId: "snap-0bbb2222", volumeId: "vol-0456", deviceName: "/dev/sdf", state: "completed" },
      ],
      artifacts: [
        {
          name: "triggering-event.json",
          key: `incidents/${id}/artifacts/triggering-event.json`,
          sha256: "a".repeat(64),
          size: 2048,
          storageClass: "STANDARD",
          collectedAt: at(400),
          collector: "evidence",
          sourceApiCall: "events:(the EventBridge event delivered to triage)",
        },
      ],
      manifestKey: `incidents/${id}/manifest.json`,
      manifestSha256: "b".repeat(64),
    },
    cleanroom: {
      stackName: `incident-responder-cleanroom-${id}`,
      status: "CREATE_COMPLETE",
      outputs: {},
      expiresAt: at(86_400_000),
    },
    ...overrides,
  };
}

/** A real (not drill) incident for finding `id` on `instance`, seen at `time`: its id derived from the three. */
export function incidentFor(id: string, instance = "i-0123456789abcdef0", time = "2026-03-02T10:00:00.000Z") {
  const base = anIncident();
  const finding = {
    ...base.finding,
    id,
    time,
    drill: false,
    resources: [{ kind: "ec2-instance" as const, id: instance }],
  };
  return {
    ...base,
    findings: [findingRef(finding)],
    incidentId: `ir-20260302-${createHash("sha256").update(`${id}|${instance}|${time}`).digest("hex").slice(0, 8)}`,
    drill: false,
    finding,
    resourceKey: `${base.account}#ec2-instance:${instance}`,
  };
}
