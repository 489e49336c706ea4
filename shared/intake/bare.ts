/**
 * Bare records: what people paste instead of an EventBridge event — a CloudTrail record from a
 * log file or a SIEM, a GuardDuty or ASFF finding copied from the console or the API, API
 * output, a Config rule invocation. Intake names what it received and the envelope it expects;
 * a person's tools (`responder plan`, `ingest`) may wrap the three finding-like records the way
 * EventBridge would. The Lambda intake never wraps: EventBridge and SNS always deliver
 * envelopes, and a wrapped record would let its body choose the envelope's account. Pure.
 */
import { createHash } from "node:crypto";
import { ID_PATTERNS, IsoTimeSchema } from "./schemas/common.ts";
import { isObject } from "./walk.ts";

/** What a bare record is. */
export type BareKind =
  | "cloudtrail-record"
  | "cloudtrail-log"
  | "guardduty-finding"
  | "asff-finding"
  | "securityhub-getfindings"
  | "guardduty-getfindings"
  | "config-rule-invocation";

/** How each bare kind is named in messages. */
const DESCRIPTIONS: Record<BareKind, string> = {
  "cloudtrail-record": "a bare CloudTrail record (as in a CloudTrail log file)",
  "cloudtrail-log": "a CloudTrail log file (Records of bare CloudTrail records)",
  "guardduty-finding": "a bare GuardDuty finding (as the console or GetFindings shows it)",
  "asff-finding": "a bare Security Hub (ASFF) finding",
  "securityhub-getfindings": "Security Hub GetFindings output (a Findings list)",
  "guardduty-getfindings": "GuardDuty GetFindings output (a Findings list)",
  "config-rule-invocation": "an AWS Config rule invocation (the payload Config sends to a rule's Lambda)",
};

/** The envelope expected instead, for messages. */
export const ENVELOPE_EXPECTED =
  'an EventBridge event is expected: the envelope {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"} with the record as its detail';

const ENVELOPE_KEYS = ["source", "detail-type", "detail"];

function isCloudTrailRecord(v: unknown): boolean {
  return isObject(v) && typeof v.eventSource === "string" && typeof v.eventName === "string";
}

function isGuardDutyFinding(v: unknown): boolean {
  return (
    isObject(v) &&
    typeof v.schemaVersion === "string" &&
    typeof v.type === "string" &&
    "severity" in v &&
    ("accountId" in v || "arn" in v)
  );
}

function isAsffFinding(v: unknown): boolean {
  return isObject(v) && "SchemaVersion" in v && "ProductArn" in v && "AwsAccountId" in v;
}

/** The kind of bare record `value` is, or undefined when it is not one (or carries an envelope). */
export function bareRecordKind(value: unknown): BareKind | undefined {
  if (!isObject(value) || ENVELOPE_KEYS.some((k) => k in value)) return undefined;
  if (isCloudTrailRecord(value)) return "cloudtrail-record";
  if (isGuardDutyFinding(value)) return "guardduty-finding";
  if (isAsffFinding(value)) return "asff-finding";
  if (Array.isArray(value.Records) && value.Records.some(isCloudTrailRecord)) return "cloudtrail-log";
  if (Array.isArray(value.Findings)) {
    if (value.Findings.some(isAsffFinding)) return "securityhub-getfindings";
    if (value.Findings.some((f) => isObject(f) && "SchemaVersion" in f && "Type" in f))
      return "guardduty-getfindings";
  }
  if (typeof value.invokingEvent === "string" && ("configRuleName" in value || "ruleParameters" in value))
    return "config-rule-invocation";
  return undefined;
}

/** One sentence naming a bare record and the envelope expected instead. */
export function describeBareRecord(kind: BareKind): string {
  return `this is ${DESCRIPTIONS[kind]}, not an EventBridge event; ${ENVELOPE_EXPECTED}`;
}

/** A bare record wrapped as EventBridge would deliver it. */
export interface WrappedRecord {
  kind: BareKind;
  event: Record<string, unknown>;
  /** One line for people: what was received and what was done. */
  note: string;
}

/** Why a bare record could not be wrapped. */
export interface UnwrappableRecord {
  kind: BareKind;
  /** What is missing or wrong, with the envelope expected. */
  error: string;
}

function uuidFrom(text: string): string {
  const h = createHash("sha256").update(text).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** `2025-02-25 20:40:06.721`: a SIEM's normalised UTC time (Panther's), without `T` or zone. */
const SPACED_UTC = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(\.\d{1,9})?)$/;

/**
 * An ISO time cut to whole seconds with a Z, as EventBridge writes `time`; a SIEM's
 * `YYYY-MM-DD hh:mm:ss` is read as UTC. Undefined when unreadable.
 */
function envelopeTime(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const spaced = SPACED_UTC.exec(value);
  const iso = spaced ? `${spaced[1]}T${spaced[2]!.slice(0, 12)}Z` : value;
  if (!IsoTimeSchema.safeParse(iso).success) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** The region of an ARN (`arn:aws:securityhub:REGION:…`). */
function arnRegion(arn: unknown): string | undefined {
  const region = typeof arn === "string" ? arn.split(":")[3] : undefined;
  return region && ID_PATTERNS.region.test(region) ? region : undefined;
}

interface EnvelopeParts {
  source: string;
  detailType: string;
  id: unknown;
  account: unknown;
  region: unknown;
  time: unknown;
  resources: string[];
  detail: unknown;
  /** The record's fields each part comes from, for the error. */
  from: Record<"account" | "region" | "time", string>;
}

function partsOf(kind: BareKind, r: Record<string, unknown>): EnvelopeParts | undefined {
  switch (kind) {
    case "cloudtrail-record":
      return {
        source: `aws.${String(r.eventSource).split(".")[0]}`,
        detailType:
          r.eventType === "AwsConsoleSignIn"
            ? "AWS Console Sign In via CloudTrail"
            : "AWS API Call via CloudTrail",
        id: r.eventID,
        account: r.recipientAccountId,
        region: r.awsRegion,
        time: r.eventTime,
        resources: [],
        detail: r,
        from: { account: "recipientAccountId", region: "awsRegion", time: "eventTime" },
      };
    case "guardduty-finding":
      return {
        source: "aws.guardduty",
        detailType: "GuardDuty Finding",
        id: undefined,
        account: r.accountId,
        region: r.region,
        time: envelopeTime(r.updatedAt) ? r.updatedAt : r.createdAt,
        resources: [],
        detail: r,
        from: { account: "accountId", region: "region", time: "updatedAt" },
      };
    case "asff-finding": {
      const fields = isObject(r.ProductFields) ? r.ProductFields : {};
      const findingId = str(fields["aws/securityhub/FindingId"]) ?? str(r.Id);
      return {
        source: "aws.securityhub",
        detailType: "Security Hub Findings - Imported",
        id: undefined,
        account: r.AwsAccountId,
        region: str(r.Region) ?? arnRegion(r.ProductArn),
        time: r.UpdatedAt,
        resources: findingId ? [findingId] : [],
        detail: { findings: [r] },
        from: { account: "AwsAccountId", region: "Region or ProductArn", time: "UpdatedAt" },
      };
    }
    default:
      return undefined;
  }
}

/**
 * Wraps a bare CloudTrail record, GuardDuty finding or ASFF finding in the envelope EventBridge
 * would give it (AWS's documented mapping: `account` from the record's account, `time` from its
 * time cut to the second, `region` from its region). For a person's tools only: the envelope's
 * account is the record's own claim, which nothing authenticated.
 * @returns the wrapped event; an {@link UnwrappableRecord} when the record is bare but cannot be
 * wrapped (another kind, or a field the envelope needs is missing); undefined when `value` is
 * not a bare record.
 */
export function wrapBareRecord(value: unknown): WrappedRecord | UnwrappableRecord | undefined {
  const kind = bareRecordKind(value);
  if (kind === undefined || !isObject(value)) return undefined;
  const parts = partsOf(kind, value);
  if (!parts) return { kind, error: describeBareRecord(kind) };
  const account = str(parts.account);
  const region = str(parts.region);
  const time = envelopeTime(parts.time);
  const missing = [
    account && ID_PATTERNS.account.test(account)
      ? undefined
      : `${parts.from.account} (a 12-digit account id)`,
    region && ID_PATTERNS.region.test(region) ? undefined : `${parts.from.region} (a region)`,
    time ? undefined : `${parts.from.time} (an ISO-8601 time)`,
  ].filter((m): m is string => m !== undefined);
  if (missing.length) {
    return {
      kind,
      error: `${describeBareRecord(kind)}. It cannot be wrapped in one: it lacks a valid ${missing.join(", ")}`,
    };
  }
  const id = str(parts.id);
  const event = {
    version: "0",
    id: id && ID_PATTERNS.eventId.test(id) ? id : uuidFrom(JSON.stringify(value)),
    "detail-type": parts.detailType,
    source: parts.source,
    account,
    time,
    region,
    resources: parts.resources,
    detail: parts.detail,
  };
  return {
    kind,
    event,
    note: `received ${DESCRIPTIONS[kind]}: wrapped in the EventBridge envelope AWS would give it (source ${parts.source}, account ${account} from ${parts.from.account}, as the record claims)`,
  };
}
