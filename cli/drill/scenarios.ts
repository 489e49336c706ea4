/**
 * Drill scenarios: a real-format event (shipped under drills/events/), the demo instance (or
 * IAM user) it targets, how the event is adapted to that target, and what the responder must
 * do — written from the default policy (policy/default.yaml) and the demo account's tags.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { AlertStage } from "../../shared/alerts/message.ts";
import type { Tier } from "../../shared/domain/types.ts";
import type { DemoInstance, DemoUser } from "../local/demo.ts";

export interface ScenarioTarget {
  /** The instance the scenario acts on ("" for a scenario on an IAM user). */
  instanceId: string;
  account: string;
  region: string;
  /** The first security group of the instance's primary interface (CloudTrail scenarios). */
  groupId?: string;
  /** The role of the instance's profile and another instance using it (credential scenarios). */
  credentials?: { roleName: string; siblingId: string };
  /** The IAM user, the access key the finding names and the user's other keys (IAM user scenarios). */
  user?: { userName: string; accessKeyId: string; otherKeyIds: string[] };
}

export interface Expectations {
  /** The instance is isolated on every interface (false: its interfaces keep their groups). */
  contained: boolean;
  /** Every volume of the instance is snapshotted and tagged with the incident. */
  snapshots: boolean;
  /** Evidence is archived with a manifest in the evidence bucket. */
  archived: boolean;
  /** A clean room is launched from the evidence. */
  cleanroom: boolean;
  /** Alert stages a subscriber on the topic must receive. */
  alerts: AlertStage[];
  /** Alert stages that must not be sent (by default: failed, containment-failed). */
  noAlerts?: AlertStage[];
  /**
   * Checked against the demo account only (they follow from its tags): the tier and the
   * playbook. Against a real instance, its own tags decide.
   */
  demo?: { tier?: Tier; playbook?: string };
  /** Plan notes that must be present (safety rails that must have acted). */
  notes?: RegExp[];
  /**
   * revoke-instance-credentials: the incident's deny statement for this instance alone is on
   * the instance's role (read back), and the sibling instance with the same role is untouched.
   */
  revokedCredentials?: boolean;
  /**
   * contain-principal on the target user: the named key Inactive, the user's other keys
   * Active, the incident's deny policy attached (read back), the step verified.
   */
  userContained?: boolean;
}

export interface Scenario {
  name: string;
  description: string;
  /** The demo instance (or IAM user) the scenario targets locally. */
  demoTarget: DemoInstance["key"] | DemoUser["key"];
  build(target: ScenarioTarget): Record<string, unknown>;
  expect: Expectations;
}

// biome-ignore lint/suspicious/noExplicitAny: fixture documents are untyped JSON
type Json = any;

function fixture(name: string): Json {
  return JSON.parse(
    readFileSync(fileURLToPath(new URL(`../../drills/events/${name}`, import.meta.url)), "utf8"),
  );
}

const hex = (n: number) => randomBytes(n).toString("hex");

/**
 * A GuardDuty finding from a fixture, in the target's account and region with a fresh id and
 * time; `aim` adapts the finding itself (its resource, title, severity).
 */
function guardDutyFinding(file: string, t: ScenarioTarget, aim: (d: Json) => void): Record<string, unknown> {
  const e = fixture(file);
  const now = new Date().toISOString();
  const d = e.detail;
  const id = hex(16);
  d.id = id;
  d.arn = `arn:aws:guardduty:${t.region}:${t.account}:detector/${d.service?.detectorId ?? "d"}/finding/${id}`;
  d.accountId = t.account;
  d.region = t.region;
  d.createdAt = now;
  d.updatedAt = now;
  aim(d);
  return { ...e, id: randomUUID(), account: t.account, region: t.region, time: now };
}

/** A GuardDuty EC2 finding from a fixture, re-aimed at the target with a fresh id and time. */
function guardDuty(file: string, change: { type?: string; title?: string; severity?: number } = {}) {
  return (t: ScenarioTarget) =>
    guardDutyFinding(file, t, (d) => {
      if (change.type) d.type = change.type;
      if (change.severity !== undefined) d.severity = change.severity;
      d.resource.instanceDetails.instanceId = t.instanceId;
      // The event's own tags are GuardDuty's sample tags: drop them, the account's tags decide.
      delete d.resource.instanceDetails.tags;
      d.title = (change.title ?? d.title).replaceAll("i-99999999", t.instanceId);
      d.description = String(d.description ?? "").replaceAll("i-99999999", t.instanceId);
    });
}

/**
 * GuardDuty `UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS`: the
 * instance's role session credentials used from outside AWS. The role session is named after
 * the instance (principalId `AROA…:i-…`, userName the role), as AWS names it.
 */
function credentialExfiltration(t: ScenarioTarget): Record<string, unknown> {
  if (!t.credentials) throw new Error("credential-exfiltration needs the role of the target instance");
  const role = t.credentials.roleName;
  return guardDutyFinding("guardduty-credential-exfiltration.json", t, (d) => {
    d.resource.accessKeyDetails.accessKeyId = `ASIA${hex(8).toUpperCase()}`;
    d.resource.accessKeyDetails.principalId = `AROA${hex(8).toUpperCase()}:${t.instanceId}`;
    d.resource.accessKeyDetails.userName = role;
    d.title = `Credentials for instance role ${role} used from external IP address.`;
    d.description = `Credentials created exclusively for an EC2 instance using instance role ${role} have been used from external IP address ${d.service.action.awsApiCallAction.remoteIpDetails.ipAddressV4}.`;
  });
}

/** GuardDuty `UnauthorizedAccess:IAMUser/TorIPCaller` (high severity) naming one access key of the target user. */
function iamUserFromTor(t: ScenarioTarget): Record<string, unknown> {
  if (!t.user)
    throw new Error("iam-user-compromised needs an IAM user tagged for drills and one of its keys");
  const user = t.user;
  return guardDutyFinding("guardduty-iam-tor.json", t, (d) => {
    d.severity = 8;
    d.resource.accessKeyDetails.accessKeyId = user.accessKeyId;
    d.resource.accessKeyDetails.principalId = `AIDA${hex(8).toUpperCase()}`;
    d.resource.accessKeyDetails.userName = user.userName;
    d.description = String(d.description).replaceAll("ci-deployer", user.userName);
  });
}

/** True when the scenario acts on an IAM user rather than an instance. */
export function onUser(s: Pick<Scenario, "demoTarget">): boolean {
  return s.demoTarget === "ci-deployer";
}

/** The CloudTrail record of `AuthorizeSecurityGroupIngress` opening port 22 to the world, on the target's group. */
function securityGroupOpened(t: ScenarioTarget): Record<string, unknown> {
  if (!t.groupId) throw new Error("sg-open-world needs the security group of the target instance");
  const original = fixture("cloudtrail-sg-open-world.json");
  const account = String(original.account);
  const e = JSON.parse(JSON.stringify(original).replaceAll(account, t.account));
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const d = e.detail;
  d.eventID = randomUUID();
  d.requestID = randomUUID();
  d.responseElements.requestId = d.requestID;
  d.eventTime = now;
  d.awsRegion = t.region;
  d.requestParameters.groupId = t.groupId;
  return { ...e, id: randomUUID(), region: t.region, time: now };
}

/** An AWS Config rule turning NON_COMPLIANT on the target instance (IMDSv2 not required). */
let lastConfigMs = 0;

function configNonCompliant(t: ScenarioTarget): Record<string, unknown> {
  const e = fixture("config-noncompliant.json");
  // Config findings are identified by rule, resource and recording time: two drills never
  // share a millisecond, or the second would be a duplicate of the first.
  lastConfigMs = Math.max(Date.now(), lastConfigMs + 1);
  const now = new Date(lastConfigMs);
  const iso = now.toISOString();
  const rule = "ec2-imdsv2-check";
  const d = e.detail;
  d.resourceId = t.instanceId;
  d.resourceType = "AWS::EC2::Instance";
  d.awsRegion = t.region;
  d.awsAccountId = t.account;
  d.configRuleName = rule;
  d.configRuleARN = `arn:aws:config:${t.region}:${t.account}:config-rule/config-rule-${hex(3)}`;
  d.notificationCreationTime = iso;
  for (const r of [d.newEvaluationResult, d.oldEvaluationResult]) {
    r.evaluationResultIdentifier.evaluationResultQualifier = {
      configRuleName: rule,
      resourceType: "AWS::EC2::Instance",
      resourceId: t.instanceId,
    };
  }
  d.newEvaluationResult.resultRecordedTime = iso;
  d.newEvaluationResult.configRuleInvokedTime = iso;
  d.newEvaluationResult.evaluationResultIdentifier.orderingTimestamp = iso;
  d.newEvaluationResult.annotation = "Instance metadata service version 2 (IMDSv2) is not required.";
  return { ...e, id: randomUUID(), account: t.account, region: t.region, time: iso };
}

const NO_FAILURE: AlertStage[] = ["failed", "containment-failed"];

/** What the critical and high playbooks do: contain, capture, archive, clean room, all alerted. */
const FULL_RESPONSE = {
  contained: true,
  snapshots: true,
  archived: true,
  cleanroom: true,
  alerts: ["opened", "contained", "evidence-preserved", "cleanroom-ready"] as AlertStage[],
  noAlerts: NO_FAILURE,
};

/** Contained, captured and archived, without a clean room. */
const CONTAINED_AND_CAPTURED = {
  contained: true,
  snapshots: true,
  archived: true,
  cleanroom: false,
  alerts: ["opened", "contained", "evidence-preserved"] as AlertStage[],
  noAlerts: [...NO_FAILURE, "cleanroom-ready"] as AlertStage[],
};

export const SCENARIOS: Scenario[] = [
  {
    name: "c2",
    description: "GuardDuty Backdoor:EC2/C&CActivity.B!DNS on the production payments web server",
    demoTarget: "web",
    build: guardDuty("guardduty-c2.json", { severity: 8 }),
    // prod + restricted + high criticality + public IP + open ingress: critical → full playbook.
    expect: {
      ...FULL_RESPONSE,
      demo: { tier: "critical", playbook: "guardduty-ec2-critical-high" },
    },
  },
  {
    name: "crypto-mining",
    description: "GuardDuty CryptoCurrency:EC2/BitcoinTool.B!DNS on the staging reporting batch server",
    demoTarget: "batch",
    build: guardDuty("guardduty-c2.json", {
      type: "CryptoCurrency:EC2/BitcoinTool.B!DNS",
      title:
        "EC2 instance i-99999999 is querying a domain name that is associated with Bitcoin-related activity.",
      severity: 8,
    }),
    // severity 8 (+40) + staging (+5) + internal (+10) + medium (+5) = 60: high.
    expect: {
      ...FULL_RESPONSE,
      demo: { tier: "high", playbook: "guardduty-ec2-critical-high" },
    },
  },
  {
    name: "ssh-brute-force",
    description: "GuardDuty UnauthorizedAccess:EC2/SSHBruteForce against the dev sandbox",
    demoTarget: "dev",
    build: guardDuty("guardduty-ssh-brute-force.json", { severity: 5 }),
    // severity 5 (+25) + dev (0) + no DataClassification (+10) + no Criticality (+5) = 40:
    // medium → contained and captured, no clean room.
    expect: {
      ...CONTAINED_AND_CAPTURED,
      demo: { tier: "medium", playbook: "guardduty-ec2-medium" },
    },
  },
  {
    name: "dns-exfiltration",
    description: "GuardDuty Trojan:EC2/DNSDataExfiltration from the staging reporting batch server",
    demoTarget: "batch",
    build: guardDuty("guardduty-c2.json", {
      type: "Trojan:EC2/DNSDataExfiltration",
      title: "Data exfiltration through DNS queries from EC2 instance i-99999999.",
      severity: 8,
    }),
    expect: {
      ...FULL_RESPONSE,
      demo: { tier: "high", playbook: "guardduty-ec2-critical-high" },
    },
  },
  {
    name: "sg-open-world",
    description:
      "CloudTrail AuthorizeSecurityGroupIngress opens SSH to 0.0.0.0/0 on the payments web server's group",
    demoTarget: "web",
    build: securityGroupOpened,
    // cloudtrail-risky-call: a risky call on a security group is alerted, never acted on.
    expect: {
      contained: false,
      snapshots: false,
      archived: false,
      cleanroom: false,
      alerts: ["opened"],
      noAlerts: [...NO_FAILURE, "contained", "evidence-preserved", "cleanroom-ready"],
      demo: { playbook: "cloudtrail-risky-call" },
    },
  },
  {
    name: "config-noncompliant",
    description: "AWS Config ec2-imdsv2-check turns NON_COMPLIANT on the payments web server",
    demoTarget: "web",
    build: configNonCompliant,
    // config-noncompliant-instance: alert and collect artifacts (read-only); no containment,
    // no snapshot, no clean room.
    expect: {
      contained: false,
      snapshots: false,
      archived: true,
      cleanroom: false,
      alerts: ["opened", "evidence-preserved"],
      noAlerts: [...NO_FAILURE, "contained", "cleanroom-ready"],
      demo: { playbook: "config-noncompliant-instance" },
    },
  },
  {
    name: "protected-instance",
    description: "GuardDuty C&C finding on the protected bastion: it must be left alone",
    demoTarget: "bastion",
    build: guardDuty("guardduty-c2.json", { severity: 8 }),
    // Critical, but tagged incident-responder:protected=true: never contained. Evidence is
    // read-only for the instance and the clean room is built from snapshots, so both go on.
    expect: {
      contained: false,
      snapshots: true,
      archived: true,
      cleanroom: true,
      alerts: ["opened", "evidence-preserved", "cleanroom-ready"],
      noAlerts: [...NO_FAILURE, "contained"],
      demo: { tier: "critical", playbook: "guardduty-ec2-critical-high" },
      notes: [/protected \(tag incident-responder:protected=true\): not contained/],
    },
  },
  {
    name: "credential-exfiltration",
    description:
      "GuardDuty InstanceCredentialExfiltration.OutsideAWS: the payments web server's role credentials used from outside AWS",
    demoTarget: "web",
    build: credentialExfiltration,
    // The credential playbook: contain the instance the session is named after, deny that
    // instance's sessions on its role (not the worker's, which shares it), capture, archive.
    expect: {
      ...CONTAINED_AND_CAPTURED,
      demo: { tier: "critical", playbook: "guardduty-instance-credential-exfiltration" },
      revokedCredentials: true,
    },
  },
  {
    name: "iam-user-compromised",
    description: "GuardDuty UnauthorizedAccess:IAMUser/TorIPCaller on one access key of the CI deployer user",
    demoTarget: "ci-deployer",
    build: iamUserFromTor,
    // guardduty-iam-high: the named key Inactive and the deny policy attached; no instance and
    // no snapshot, but the user's state before containment is archived with a manifest.
    expect: {
      contained: false,
      snapshots: false,
      archived: true,
      cleanroom: false,
      alerts: ["opened", "contained", "evidence-preserved"],
      noAlerts: [...NO_FAILURE, "protected", "cleanroom-ready"],
      demo: { playbook: "guardduty-iam-high" },
      userContained: true,
    },
  },
];

/** Finds a scenario by name, or throws with the list of names. */
export function scenario(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown scenario "${name}"; known: ${SCENARIOS.map((x) => x.name).join(", ")}`);
  return s;
}
