/**
 * Drill scenarios: a real-format event (shipped under drills/events/), the demo instance it
 * targets, how the event is adapted to that instance, and what the responder must do.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { AlertStage } from "../alerts/message.ts";
import type { DemoInstance } from "../local/demo.ts";

export interface ScenarioTarget {
  instanceId: string;
  account: string;
  region: string;
  /** Security group of the instance (for CloudTrail scenarios). */
  groupId?: string;
}

export interface Expectations {
  contained: boolean;
  snapshots: boolean;
  archived: boolean;
  alerts: AlertStage[];
}

export interface Scenario {
  name: string;
  description: string;
  /** The demo instance the scenario targets locally. */
  demoTarget: DemoInstance["key"];
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

/** A GuardDuty EC2 finding from a fixture, re-aimed at the target with a fresh id and time. */
function guardDuty(file: string, change: { type?: string; title?: string; severity?: number } = {}) {
  return (t: ScenarioTarget) => {
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
    if (change.type) d.type = change.type;
    if (change.severity !== undefined) d.severity = change.severity;
    d.resource.instanceDetails.instanceId = t.instanceId;
    d.title = (change.title ?? d.title).replaceAll("i-99999999", t.instanceId);
    d.description = String(d.description ?? "").replaceAll("i-99999999", t.instanceId);
    return {
      ...e,
      id: `${hex(4)}-${hex(2)}-${hex(2)}-${hex(2)}-${hex(6)}`,
      account: t.account,
      region: t.region,
      time: now,
    };
  };
}

const EC2_ALERTS: AlertStage[] = ["opened", "contained", "evidence-preserved"];

export const SCENARIOS: Scenario[] = [
  {
    name: "c2",
    description: "GuardDuty Backdoor:EC2/C&CActivity.B!DNS on the production payments web server",
    demoTarget: "web",
    build: guardDuty("guardduty-c2.json", { severity: 8 }),
    expect: { contained: true, snapshots: true, archived: true, alerts: EC2_ALERTS },
  },
  {
    name: "crypto-mining",
    description: "GuardDuty CryptoCurrency:EC2/BitcoinTool.B!DNS on the staging batch server",
    demoTarget: "batch",
    build: guardDuty("guardduty-c2.json", {
      type: "CryptoCurrency:EC2/BitcoinTool.B!DNS",
      title:
        "EC2 instance i-99999999 is querying a domain name that is associated with Bitcoin-related activity.",
      severity: 8,
    }),
    expect: { contained: true, snapshots: true, archived: true, alerts: EC2_ALERTS },
  },
  {
    name: "ssh-brute-force",
    description: "GuardDuty UnauthorizedAccess:EC2/SSHBruteForce against the payments web server",
    demoTarget: "web",
    build: guardDuty("guardduty-ssh-brute-force.json", { severity: 5 }),
    expect: { contained: true, snapshots: true, archived: true, alerts: EC2_ALERTS },
  },
  {
    name: "dns-exfiltration",
    description: "GuardDuty Trojan:EC2/DNSDataExfiltration from the staging batch server",
    demoTarget: "batch",
    build: guardDuty("guardduty-c2.json", {
      type: "Trojan:EC2/DNSDataExfiltration",
      title: "Data exfiltration through DNS queries from EC2 instance i-99999999.",
      severity: 8,
    }),
    expect: { contained: true, snapshots: true, archived: true, alerts: EC2_ALERTS },
  },
  {
    name: "protected-instance",
    description: "GuardDuty C&C finding on the protected bastion: it must be left alone",
    demoTarget: "bastion",
    build: guardDuty("guardduty-c2.json", { severity: 8 }),
    // Evidence is read-only for the instance; containment is what a protected tag forbids.
    expect: { contained: false, snapshots: true, archived: true, alerts: ["opened", "evidence-preserved"] },
  },
];

/** Finds a scenario by name, or throws with the list of names. */
export function scenario(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown scenario "${name}"; known: ${SCENARIOS.map((x) => x.name).join(", ")}`);
  return s;
}
