/**
 * CloudWatch alarms: `CloudWatch Alarm State Change` events, from EventBridge (`aws.cloudwatch`)
 * or built by `unwrapSnsMessage` from an SNS alarm notification (`incident-responder.alarm`).
 * Only the ALARM state becomes a finding.
 */
import type { AffectedResource, ResourceKind } from "../domain/types.ts";
import { type IntakeContext, ignored, type SourceResult } from "./context.ts";
import { resource, title } from "./finding.ts";
import { AlarmDetailSchema } from "./schemas/alarm.ts";
import { ID_PATTERNS, IsoTimeSchema } from "./schemas/common.ts";
import { quote, sanitizeText } from "./text.ts";
import { invalid, parseOrThrow } from "./validate.ts";

/** EventBridge source of AWS's own alarm events. */
export const CLOUDWATCH_SOURCE = "aws.cloudwatch";
/** Source of alarm events that intake builds from SNS notifications. */
export const ALARM_SOURCE = "incident-responder.alarm";
/** Detail-type of alarm state changes, the same for both sources. */
export const ALARM_DETAIL_TYPE = "CloudWatch Alarm State Change";
/** Severity of an alarm finding: an alarm carries no severity of its own. */
export const ALARM_DEFAULT_SEVERITY = 5;

/** Metric dimensions that name a resource the responder understands. */
const KIND_BY_DIMENSION = new Map<string, ResourceKind>(
  Object.entries({
    InstanceId: "ec2-instance",
    VolumeId: "ec2-volume",
    BucketName: "s3-bucket",
    FunctionName: "lambda-function",
    DBInstanceIdentifier: "rds-instance",
  }),
);

/** `2019-10-02T17:20:48.551+0000` (CloudWatch's form) → `2019-10-02T17:20:48.551+00:00`. */
export function normalizeAlarmTime(value: string): string {
  return value.replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
}

/**
 * Normalises a `CloudWatch Alarm State Change`. Type `alarm:<alarm name>`, severity
 * {@link ALARM_DEFAULT_SEVERITY}; resources from the metric dimensions (InstanceId, VolumeId…),
 * or the account when the metric names none.
 * @throws InvalidEventError for a malformed event, or a dimension value that is not a valid id.
 */
export function normalizeAlarm(ctx: IntakeContext): SourceResult {
  const { envelope, prefix } = ctx;
  const path = `${prefix}detail`;
  const detail = parseOrThrow(AlarmDetailSchema, envelope.detail, `${path}.`);
  const where = { account: envelope.account, region: envelope.region };

  const resources: AffectedResource[] = [];
  (detail.configuration?.metrics ?? []).forEach((m, i) => {
    for (const [name, value] of Object.entries(m.metricStat?.metric?.dimensions ?? {})) {
      const kind = KIND_BY_DIMENSION.get(name);
      if (!kind || resources.some((r) => r.kind === kind && r.id === value)) continue;
      resources.push(
        resource(
          kind,
          value,
          `${path}.configuration.metrics[${i}].metricStat.metric.dimensions.${name}`,
          where,
        ),
      );
    }
  });
  if (resources.length === 0) resources.push(resource("aws-account", envelope.account, `${prefix}account`));

  let time = envelope.time;
  if (detail.state.timestamp !== undefined) {
    time = normalizeAlarmTime(detail.state.timestamp);
    if (!IsoTimeSchema.safeParse(time).success) {
      invalid(
        `must be an ISO-8601 date-time (got ${quote(detail.state.timestamp)})`,
        `${path}.state.timestamp`,
      );
    }
  }

  if (detail.state.value !== "ALARM")
    return ignored(`alarm state is ${quote(detail.state.value)}, not ALARM`);

  const arn =
    detail.alarmArn ??
    envelope.resources?.find((r) => r.startsWith("arn:") && r.includes(":alarm:") && ID_PATTERNS.arn.test(r));
  const name = sanitizeText(detail.alarmName, 255);
  const reason = detail.state.reason ? `: ${detail.state.reason}` : "";
  return {
    kind: "finding",
    finding: {
      id: `${arn ?? name}@${time}`,
      source: "alarm",
      type: `alarm:${name}`,
      title: title(`CloudWatch alarm ${name} is in ALARM${reason}`, `CloudWatch alarm ${name}`),
      severity: ALARM_DEFAULT_SEVERITY,
      time,
      account: envelope.account,
      region: envelope.region,
      resources,
    },
  };
}
