/**
 * Shared test helpers for intake: fixture loading and small event builders.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { Finding, IntakeResult } from "../../../shared/domain/types.ts";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import {
  APPROVAL_DETAIL_TYPE,
  APPROVAL_SOURCE,
  type IntakeOptions,
  normalizeEvent,
} from "../../../shared/intake/index.ts";

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/events");

/** Parsed fixture `dir/name`. */
export function fixture(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, path), "utf8")) as Record<string, unknown>;
}

/** Every fixture file, as `dir/name.json`, sorted. */
export function allFixturePaths(): string[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(FIXTURES, d.name))
        .filter((f) => f.endsWith(".json"))
        .map((f) => `${d.name}/${f}`),
    )
    .sort();
}

/** A deep copy, so a test can edit a fixture freely. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Normalises and expects a finding; returns it. */
export function expectFinding(event: unknown, options?: IntakeOptions): Finding {
  const result = normalizeEvent(event, options);
  if (result.kind !== "finding") throw new Error(`expected a finding, got ignored: ${result.reason}`);
  return result.finding;
}

/** Normalises and expects an ignored verdict; returns it. */
export function expectIgnored(
  event: unknown,
  options?: IntakeOptions,
): Extract<IntakeResult, { kind: "ignored" }> {
  const result = normalizeEvent(event, options);
  if (result.kind !== "ignored") throw new Error(`expected ignored, got finding ${result.finding.type}`);
  return result;
}

/** Normalises and expects an InvalidEventError; returns it. */
export function expectInvalid(event: unknown, options?: IntakeOptions): InvalidEventError {
  try {
    const result = normalizeEvent(event, options);
    throw new Error(`expected InvalidEventError, got ${JSON.stringify(result).slice(0, 200)}`);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidEventError);
    return err as InvalidEventError;
  }
}

/** An EventBridge envelope around `detail`. */
export function envelope<D>(
  source: string,
  detailType: string,
  detail: D,
  extra: Record<string, unknown> = {},
) {
  return {
    version: "0",
    id: "11111111-2222-3333-4444-555555555555",
    "detail-type": detailType,
    source,
    account: "123456789012",
    time: "2024-05-01T10:00:00Z",
    region: "eu-west-1",
    resources: [],
    detail,
    ...extra,
  };
}

/** A CloudTrail API call event for `eventSource`/`eventName` with the given parameters and overrides. */
export function cloudTrailCall(
  eventSource: string,
  eventName: string,
  requestParameters: Record<string, unknown> | null,
  overrides: Record<string, unknown> = {},
) {
  const detail = {
    eventVersion: "1.08",
    userIdentity: {
      type: "IAMUser",
      principalId: "AIDAEXAMPLEEXAMPLE01",
      arn: "arn:aws:iam::123456789012:user/alice",
      accountId: "123456789012",
      accessKeyId: "AKIAEXAMPLEEXAMPLE01",
      userName: "alice",
    },
    eventTime: "2024-05-01T10:00:00Z",
    eventSource,
    eventName,
    awsRegion: "eu-west-1",
    sourceIPAddress: "203.0.113.10",
    userAgent: "aws-cli/2.15.0",
    requestParameters,
    responseElements: null,
    requestID: "0b7b3b6e-1111-2222-3333-444444444444",
    eventID: "6f1f0f4e-aaaa-bbbb-cccc-dddddddddddd",
    eventType: "AwsApiCall",
    recipientAccountId: "123456789012",
    ...overrides,
  };
  const detailType =
    eventSource === "signin.amazonaws.com"
      ? "AWS Console Sign In via CloudTrail"
      : "AWS API Call via CloudTrail";
  return envelope(`aws.${eventSource.split(".")[0]}`, detailType, detail);
}

/** The root caller, for `cloudTrailCall` overrides. */
export const ROOT_IDENTITY = {
  type: "Root",
  principalId: "123456789012",
  arn: "arn:aws:iam::123456789012:root",
  accountId: "123456789012",
};

/** An assumed-role caller, for `cloudTrailCall` overrides. */
export const ROLE_IDENTITY = {
  type: "AssumedRole",
  principalId: "AROAEXAMPLEEXAMPLE01:session",
  arn: "arn:aws:sts::123456789012:assumed-role/Deployer/session",
  accountId: "123456789012",
  accessKeyId: "ASIAEXAMPLEEXAMPLE01",
  sessionContext: {
    sessionIssuer: {
      type: "Role",
      principalId: "AROAEXAMPLEEXAMPLE01",
      arn: "arn:aws:iam::123456789012:role/Deployer",
      accountId: "123456789012",
      userName: "Deployer",
    },
  },
};

/** The event id of {@link anApproval}'s event. */
export const APPROVAL_EVENT_ID = "5b7d3a1e-2c4f-4e8a-9b6d-0f1e2d3c4b5a";

/** An approval decision event as a person's tooling sends it; `detail` and the envelope overridable. */
export function anApproval(detail: Record<string, unknown> = {}, over: Record<string, unknown> = {}) {
  return {
    version: "0",
    id: APPROVAL_EVENT_ID,
    source: APPROVAL_SOURCE,
    "detail-type": APPROVAL_DETAIL_TYPE,
    account: "123456789012",
    region: "us-east-1",
    time: "2026-03-01T10:00:00Z",
    resources: [],
    detail: { incidentId: "ir-20260301-0a1b2c3d", decision: "approved", by: "chatops:alice", ...detail },
    ...over,
  };
}

/** The InvalidEventError `fn` throws; fails the test when it throws nothing or anything else. */
export function rejection(fn: () => unknown): InvalidEventError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidEventError);
    return err as InvalidEventError;
  }
  throw new Error("expected an InvalidEventError");
}
