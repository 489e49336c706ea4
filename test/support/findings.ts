/**
 * Real-format events for integration tests, aimed at instances the test created, and small
 * waiting helpers.
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

/** Polls `read` until `done` holds for its value; returns the last value read. */
export async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 150));
    value = await read();
  }
  return value;
}
