/**
 * SNS message bodies: an EventBridge event serialised as JSON, or a CloudWatch alarm
 * notification, which becomes a synthetic `CloudWatch Alarm State Change` event.
 */
import { createHash } from "node:crypto";
import { ALARM_DETAIL_TYPE, ALARM_SOURCE, normalizeAlarmTime } from "./alarm.ts";
import { MAX_EVENT_CHARS } from "./limits.ts";
import { type AlarmNotification, AlarmNotificationSchema } from "./schemas/alarm.ts";
import { ID_PATTERNS } from "./schemas/common.ts";
import { invalid, parseOrThrow } from "./validate.ts";
import { isObject } from "./walk.ts";

/** What the caller knows about the SNS delivery, used when the message itself lacks it. */
export interface SnsContext {
  /** SNS `MessageId`; becomes the synthetic event's id. */
  messageId?: string;
  /** Region to use when the alarm notification carries no `AlarmArn`. */
  region?: string;
}

/**
 * The event built from an SNS alarm notification: the shape of AWS's own
 * `CloudWatch Alarm State Change` event, with source {@link ALARM_SOURCE} and the
 * alarm ARN also in `detail.alarmArn`.
 */
export type AlarmEvent = {
  version: "0";
  id: string;
  source: typeof ALARM_SOURCE;
  "detail-type": typeof ALARM_DETAIL_TYPE;
  account: string;
  region: string;
  time: string;
  resources: string[];
  detail: {
    alarmName: string;
    alarmArn?: string;
    state: { value: string; reason?: string; timestamp: string };
    previousState?: { value: string };
    configuration: {
      description?: string;
      metrics: {
        metricStat: { metric: { namespace?: string; name?: string; dimensions: Record<string, string> } };
      }[];
    };
  };
};

function uuidFrom(text: string): string {
  const h = createHash("sha256").update(text).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function dimensions(list: { name: string; value: string }[] | null | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((d) => [d.name, d.value]));
}

/**
 * Builds the synthetic event for a CloudWatch alarm notification.
 * @throws InvalidEventError (paths under `Message.`) when the notification is malformed or its region unknown.
 */
export function alarmNotificationToEvent(notification: unknown, context: SnsContext = {}): AlarmEvent {
  const n: AlarmNotification = parseOrThrow(AlarmNotificationSchema, notification, "Message.");
  const arnRegion = n.AlarmArn?.split(":")[3];
  const region = arnRegion && ID_PATTERNS.region.test(arnRegion) ? arnRegion : context.region;
  if (region === undefined || !ID_PATTERNS.region.test(region)) {
    invalid(
      "is needed to know the alarm's region (or pass the region in the SNS context)",
      "Message.AlarmArn",
    );
  }
  const time = normalizeAlarmTime(n.StateChangeTime);
  const id =
    context.messageId && ID_PATTERNS.eventId.test(context.messageId)
      ? context.messageId
      : uuidFrom(`${n.AlarmArn ?? n.AlarmName}|${n.StateChangeTime}|${n.NewStateValue}`);
  const metrics: AlarmEvent["detail"]["configuration"]["metrics"] = [];
  const t = n.Trigger;
  if (t?.Dimensions || t?.MetricName) {
    metrics.push({
      metricStat: {
        metric: {
          ...(t.Namespace ? { namespace: t.Namespace } : {}),
          ...(t.MetricName ? { name: t.MetricName } : {}),
          dimensions: dimensions(t.Dimensions),
        },
      },
    });
  }
  for (const m of t?.Metrics ?? []) {
    const metric = m.MetricStat?.Metric;
    if (!metric) continue;
    metrics.push({
      metricStat: {
        metric: {
          ...(metric.Namespace ? { namespace: metric.Namespace } : {}),
          ...(metric.MetricName ? { name: metric.MetricName } : {}),
          dimensions: dimensions(metric.Dimensions),
        },
      },
    });
  }
  return {
    version: "0",
    id,
    source: ALARM_SOURCE,
    "detail-type": ALARM_DETAIL_TYPE,
    account: n.AWSAccountId,
    region,
    time,
    resources: n.AlarmArn ? [n.AlarmArn] : [],
    detail: {
      alarmName: n.AlarmName,
      ...(n.AlarmArn ? { alarmArn: n.AlarmArn } : {}),
      state: {
        value: n.NewStateValue,
        ...(n.NewStateReason ? { reason: n.NewStateReason } : {}),
        timestamp: time,
      },
      ...(n.OldStateValue ? { previousState: { value: n.OldStateValue } } : {}),
      configuration: { ...(n.AlarmDescription ? { description: n.AlarmDescription } : {}), metrics },
    },
  };
}

/**
 * Turns an SNS message body into an event for `normalizeEvent`:
 * - an EventBridge event serialised as JSON is returned as parsed;
 * - a CloudWatch alarm notification becomes an {@link AlarmEvent};
 * - a whole SNS notification envelope (`Type: "Notification"`, as delivered to SQS without
 *   raw delivery) is opened once and its `Message` read as above.
 * @throws InvalidEventError (path `Message…`) for anything else: not JSON, too large, unknown shape.
 */
export function unwrapSnsMessage(message: string, context: SnsContext = {}): unknown {
  return unwrap(message, context, 0);
}

function unwrap(message: unknown, context: SnsContext, depth: number): unknown {
  if (typeof message !== "string") invalid("must be a string", "Message");
  if (message.length > MAX_EVENT_CHARS) invalid(`is larger than ${MAX_EVENT_CHARS} characters`, "Message");
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    invalid("must be JSON: an EventBridge event or a CloudWatch alarm notification", "Message");
  }
  if (!isObject(parsed)) invalid("must be a JSON object", "Message");
  if (parsed.Type === "Notification" && typeof parsed.Message === "string" && depth === 0) {
    const messageId = typeof parsed.MessageId === "string" ? parsed.MessageId : context.messageId;
    const topicRegion = typeof parsed.TopicArn === "string" ? parsed.TopicArn.split(":")[3] : undefined;
    return unwrap(parsed.Message, { messageId, region: context.region ?? topicRegion }, depth + 1);
  }
  if ("detail-type" in parsed || "detail" in parsed || "source" in parsed) return parsed;
  if ("AlarmName" in parsed || "NewStateValue" in parsed) return alarmNotificationToEvent(parsed, context);
  return invalid("is neither an EventBridge event nor a CloudWatch alarm notification", "Message");
}
