/**
 * The intake entry point: one incoming event in, one verdict out.
 */
import type { FindingSource, IntakeResult } from "../domain/types.ts";
import { describeError, InvalidEventError } from "../errors/index.ts";
import { type AccountTrust, actingAccount, NO_TRUST } from "./account.ts";
import { ALARM_DETAIL_TYPE, ALARM_SOURCE, CLOUDWATCH_SOURCE, normalizeAlarm } from "./alarm.ts";
import { CONFIG_COMPLIANCE_CHANGE, CONFIG_SOURCE, normalizeConfigCompliance } from "./aws-config.ts";
import { bareRecordKind, describeBareRecord } from "./bare.ts";
import { CLOUDTRAIL_DETAIL_TYPES, normalizeCloudTrail } from "./cloudtrail.ts";
import type { IntakeContext, ResolvedOptions, SourceHandler, SourceResult } from "./context.ts";
import { DRILL_DETAIL_TYPE, DRILL_SOURCE } from "./drill.ts";
import { GUARDDUTY_FINDING, GUARDDUTY_SOURCE, normalizeGuardDuty } from "./guardduty.ts";
import { checkLimits } from "./limits.ts";
import { DrillDetailSchema, DrillEnvelopeSchema } from "./schemas/drill.ts";
import { EnvelopeSchema } from "./schemas/envelope.ts";
import { normalizeSecurityHub, SECURITYHUB_FINDING_DETAIL_TYPES, SECURITYHUB_SOURCE } from "./securityhub.ts";
import { quote, sanitizeText } from "./text.ts";
import { invalid, parseOrThrow } from "./validate.ts";
import { isObject } from "./walk.ts";
import { IntakeWarnings } from "./warnings.ts";

/** Options of {@link normalizeEvent}. */
export interface IntakeOptions {
  /** Findings below this severity (0–10) are ignored. Default 0. */
  minSeverity?: number;
  /** Also judge CloudTrail calls that failed (`errorCode` set). Default false. */
  includeFailedCalls?: boolean;
  /**
   * Who may report about which account. Default: nobody about another account — a finding
   * whose body names an account other than its envelope's is rejected.
   */
  trust?: AccountTrust;
  /**
   * The account that delivered the event, when it is known better than from the event's own
   * `account` (an SNS message: the topic's account). Default: the outermost envelope's `account`.
   */
  envelopeAccount?: string;
}

/** Where each source's body names the account (for the rejection's path). */
const ACCOUNT_CLAIM_PATH: Record<FindingSource, string> = {
  guardduty: "detail.accountId",
  cloudtrail: "detail.recipientAccountId",
  config: "detail.awsAccountId",
  securityhub: "detail.findings.AwsAccountId",
  alarm: "account",
};

interface Route {
  /** Detail-types handled for the source; `*` for CloudTrail records, which come from every `aws.*` source. */
  matches(source: string, detailType: string): boolean;
  handle: SourceHandler;
}

const ROUTES: Route[] = [
  {
    matches: (s, d) => s.startsWith("aws.") && (CLOUDTRAIL_DETAIL_TYPES as readonly string[]).includes(d),
    handle: normalizeCloudTrail,
  },
  { matches: (s, d) => s === GUARDDUTY_SOURCE && d === GUARDDUTY_FINDING, handle: normalizeGuardDuty },
  {
    matches: (s, d) => s === CONFIG_SOURCE && d === CONFIG_COMPLIANCE_CHANGE,
    handle: normalizeConfigCompliance,
  },
  {
    matches: (s, d) =>
      s === SECURITYHUB_SOURCE && (SECURITYHUB_FINDING_DETAIL_TYPES as readonly string[]).includes(d),
    handle: normalizeSecurityHub,
  },
  {
    matches: (s, d) => (s === CLOUDWATCH_SOURCE || s === ALARM_SOURCE) && d === ALARM_DETAIL_TYPE,
    handle: normalizeAlarm,
  },
];

/** Detail-types each source turns into findings, for the `ignored` reason of the others. */
const HANDLED_BY_SOURCE = new Map<string, readonly string[]>(
  Object.entries({
    [GUARDDUTY_SOURCE]: [GUARDDUTY_FINDING],
    [CONFIG_SOURCE]: [CONFIG_COMPLIANCE_CHANGE],
    [SECURITYHUB_SOURCE]: SECURITYHUB_FINDING_DETAIL_TYPES,
    [CLOUDWATCH_SOURCE]: [ALARM_DETAIL_TYPE],
    [ALARM_SOURCE]: [ALARM_DETAIL_TYPE],
    [DRILL_SOURCE]: [DRILL_DETAIL_TYPE],
  }),
);

function resolveOptions(options: IntakeOptions): ResolvedOptions & Pick<IntakeOptions, "envelopeAccount"> {
  const min = options.minSeverity;
  return {
    minSeverity: typeof min === "number" && Number.isFinite(min) ? min : 0,
    includeFailedCalls: options.includeFailedCalls === true,
    ...(options.envelopeAccount ? { envelopeAccount: options.envelopeAccount } : {}),
    trust: options.trust ?? NO_TRUST,
  };
}

function detailHint(value: unknown) {
  return (path: readonly PropertyKey[]) =>
    path.length === 1 && path[0] === "detail" && isObject(value) && typeof value.detail === "string"
      ? "a JSON-encoded detail string is not accepted"
      : undefined;
}

/** Source and detail-type as echoed in an `ignored` verdict: sanitised for logs. */
function clean(value: string): string {
  return sanitizeText(value, 256);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "an array" : typeof value;
}

interface Judged {
  result: SourceResult;
  source: string;
  detailType: string;
}

/** Validates one envelope (at `prefix`) and hands it to its source's handler. */
function judgeEnvelope(
  value: unknown,
  prefix: string,
  drill: boolean,
  options: ResolvedOptions,
  warnings: IntakeWarnings,
): Judged {
  if (!isObject(value)) {
    invalid(`must be an EventBridge event object, got ${kindOf(value)}`, prefix.replace(/\.$/, ""));
  }
  if (drill && value.source === DRILL_SOURCE) invalid("drills cannot be nested", `${prefix}source`);
  const bare = bareRecordKind(value);
  if (bare) invalid(describeBareRecord(bare), prefix.replace(/\.$/, ""));
  const envelope = parseOrThrow(EnvelopeSchema, value, prefix, detailHint(value));
  const source = envelope.source;
  const detailType = envelope["detail-type"];
  const route = ROUTES.find((r) => r.matches(source, detailType));
  if (!route) {
    const handled = HANDLED_BY_SOURCE.get(source);
    const reason = handled
      ? `detail-type ${quote(detailType)} of ${quote(source)} is not handled (only ${handled.map((d) => quote(d)).join(", ")})`
      : `no intake for source ${quote(source)} with detail-type ${quote(detailType)}`;
    return { result: { kind: "ignored", reason }, source: clean(source), detailType: clean(detailType) };
  }
  const ctx: IntakeContext = { envelope, prefix, drill, options, warnings };
  return { result: route.handle(ctx), source: clean(source), detailType: clean(detailType) };
}

function normalizeUnchecked(
  event: unknown,
  options: ResolvedOptions & Pick<IntakeOptions, "envelopeAccount">,
): IntakeResult {
  checkLimits(event);
  if (!isObject(event)) {
    invalid(`must be an EventBridge event object, got ${kindOf(event)}`, "");
  }

  const warnings = new IntakeWarnings();
  let judged: Judged;
  let scenario: string | undefined;
  let delivered: string | undefined;
  let prefix = "";
  if (event.source === DRILL_SOURCE) {
    const outer = parseOrThrow(DrillEnvelopeSchema, event, "", detailHint(event));
    // A drill's inner envelope is the sender's text: only the outer one was stamped by EventBridge.
    delivered = outer.account;
    prefix = "detail.event.";
    if (outer["detail-type"] !== DRILL_DETAIL_TYPE) {
      return {
        kind: "ignored",
        reason: `detail-type ${quote(outer["detail-type"])} of ${quote(DRILL_SOURCE)} is not handled (only ${quote(DRILL_DETAIL_TYPE)})`,
        source: DRILL_SOURCE,
        detailType: clean(outer["detail-type"]),
      };
    }
    const detail = parseOrThrow(DrillDetailSchema, outer.detail, "detail.");
    scenario = detail.scenario;
    judged = judgeEnvelope(detail.event, "detail.event.", true, options, warnings);
  } else {
    judged = judgeEnvelope(event, "", false, options, warnings);
    delivered = event.account as string;
  }

  const { result, source, detailType } = judged;
  if (result.kind === "ignored") return { kind: "ignored", reason: result.reason, source, detailType };
  const account = actingAccount(
    result.finding.account,
    options.envelopeAccount ?? delivered,
    options.trust,
    `${prefix}${ACCOUNT_CLAIM_PATH[result.finding.source]}`,
  );
  const noted = warnings.list();
  const finding = { ...result.finding, account, ...(noted.length ? { warnings: noted } : {}) };
  if (finding.severity < options.minSeverity) {
    return {
      kind: "ignored",
      reason: `severity ${finding.severity} is below the minimum ${options.minSeverity}`,
      source,
      detailType,
    };
  }
  return {
    kind: "finding",
    finding: {
      ...finding,
      drill: scenario !== undefined,
      ...(scenario !== undefined ? { scenario } : {}),
      raw: event,
    },
  };
}

/**
 * Turns one incoming event into a finding, or says why it is ignored.
 *
 * Accepts EventBridge events from GuardDuty (`GuardDuty Finding`), CloudTrail (API calls and
 * console sign-ins judged by the risky-call catalogue), AWS Config (`Config Rules Compliance
 * Change`), Security Hub (imported ASFF findings), CloudWatch alarms (from EventBridge, or from
 * SNS through `unwrapSnsMessage`), and drills wrapping any of these (`wrapDrill`).
 * Events of other sources or detail-types are ignored with a reason.
 *
 * Pure: no I/O, no environment. The event is validated before anything is decided, so a
 * malformed event is reported as such even when it would otherwise be ignored.
 *
 * @param event the event as received (any value).
 * @param options severity floor and CloudTrail failed-call handling.
 * @returns `{kind: "finding", finding}` or `{kind: "ignored", reason, source, detailType}`
 * (for a drill, `source` and `detailType` are those of the wrapped event).
 * @throws InvalidEventError for anything that is not a valid event (with `path` naming the
 * offending field); never any other error.
 */
export function normalizeEvent(event: unknown, options: IntakeOptions = {}): IntakeResult {
  try {
    return normalizeUnchecked(event, resolveOptions(options ?? {}));
  } catch (err) {
    if (err instanceof InvalidEventError) throw err;
    // A bug or an exotic value (a throwing getter, a proxy): still a typed rejection, but marked.
    throw new InvalidEventError(`internal error while reading the event: ${describeError(err)}`, "", {
      cause: err,
    });
  }
}
