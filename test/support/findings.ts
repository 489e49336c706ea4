/**
 * Real-format events for integration tests, aimed at instances the test created, and the
 * waiting helper: a condition with a deadline that fails the test when it passes.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";

// biome-ignore lint/suspicious/noExplicitAny: fixture documents are untyped JSON
type Json = any;

export interface Target {
  instanceId: string;
  account: string;
  region: string;
}

const fixture = (path: string): Json =>
  JSON.parse(readFileSync(new URL(`../fixtures/events/${path}`, import.meta.url), "utf8"));

/**
 * A GuardDuty EC2 finding (C&C activity) about `target`: not a sample, with its own id (or the
 * one given, to send the same finding again) and the account's tags deciding the impact.
 */
export function guardDutyFinding(
  target: Target,
  o: { severity?: number; id?: string; type?: string } = {},
): Record<string, unknown> {
  const e = fixture("guardduty/Backdoor_EC2_C_CActivity.B_DNS.json");
  const d = e.detail;
  const now = new Date().toISOString();
  const id = o.id ?? randomBytes(16).toString("hex");
  d.id = id;
  d.arn = `arn:aws:guardduty:${target.region}:${target.account}:detector/${d.service.detectorId}/finding/${id}`;
  d.accountId = target.account;
  d.region = target.region;
  d.createdAt = now;
  d.updatedAt = now;
  d.severity = o.severity ?? 8;
  if (o.type) d.type = o.type;
  delete d.service.additionalInfo.sample;
  d.resource.instanceDetails.instanceId = target.instanceId;
  delete d.resource.instanceDetails.tags;
  d.title = String(d.title).replaceAll("i-99999999", target.instanceId);
  return { ...e, id: randomUUID(), account: target.account, region: target.region, time: now };
}

/**
 * How long an integration test waits for a condition before it fails. Only a hang should reach
 * it: the machine may be many times busier than usual, and no wait is for time itself.
 */
export const WAIT_MS = 150_000;

/** A value as a failure message shows it: JSON, cut to a readable length. */
export function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 2000 ? `${text.slice(0, 2000)}… (${text.length} characters)` : text;
}

/**
 * Polls `read` until `done` holds for its value, and returns that value. Fails loudly after
 * `timeoutMs`: the error names what was awaited and shows the last value read.
 */
export async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = WAIT_MS,
  what = "the condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline)
      throw new Error(`waited ${timeoutMs} ms for ${what}; the last value read: ${shown(value)}`);
    await new Promise((r) => setTimeout(r, 150));
    value = await read();
  }
  return value;
}

/**
 * An AWS Config rule that found `target` NON_COMPLIANT: a benign finding (the default policy
 * alerts and collects artifacts, contains nothing).
 */
export function configNonCompliant(target: Target, rule = "ec2-imdsv2-check"): Record<string, unknown> {
  const e = fixture("config/volumes-prod-tags_EC2Volume_NON_COMPLIANT.json");
  const d = e.detail;
  const now = new Date().toISOString();
  d.resourceId = target.instanceId;
  d.resourceType = "AWS::EC2::Instance";
  d.awsAccountId = target.account;
  d.awsRegion = target.region;
  d.configRuleName = rule;
  d.configRuleARN = `arn:aws:config:${target.region}:${target.account}:config-rule/config-rule-${randomBytes(3).toString("hex")}`;
  for (const r of [d.newEvaluationResult, d.oldEvaluationResult]) {
    r.evaluationResultIdentifier.evaluationResultQualifier = {
      configRuleName: rule,
      resourceType: "AWS::EC2::Instance",
      resourceId: target.instanceId,
    };
  }
  d.newEvaluationResult.evaluationResultIdentifier.orderingTimestamp = now;
  d.newEvaluationResult.resultRecordedTime = now;
  d.notificationCreationTime = now;
  return { ...e, id: randomUUID(), account: target.account, region: target.region, time: now };
}
