/**
 * Event intake: turns incoming events (GuardDuty, CloudTrail, Config, Security Hub,
 * CloudWatch alarms via EventBridge or SNS, drills) into typed findings.
 * Pure code: no AWS calls, no environment.
 */
export { type AccountTrust, actingAccount, isTrustedMember, NO_TRUST } from "./account.ts";
export { ALARM_DEFAULT_SEVERITY, ALARM_DETAIL_TYPE, ALARM_SOURCE, CLOUDWATCH_SOURCE } from "./alarm.ts";
export {
  APPROVAL_DETAIL_TYPE,
  APPROVAL_SOURCE,
  type ApprovalDecision,
  isApprovalEvent,
  parseApprovalEvent,
} from "./approval.ts";
export { CONFIG_COMPLIANCE_CHANGE, CONFIG_DEFAULT_SEVERITY, CONFIG_SOURCE } from "./aws-config.ts";
export { CLOUDTRAIL_DETAIL_TYPES } from "./cloudtrail.ts";
export {
  type CloudTrailCall,
  eventBridgeSourceOf,
  RISKY_CALLS,
  type RiskyCallMatch,
  type RiskyCallRule,
  riskyEventNamesBySource,
} from "./cloudtrail-rules.ts";
export {
  DRILL_DETAIL_TYPE,
  DRILL_SOURCE,
  type DrillEvent,
  type WrapDrillOptions,
  wrapDrill,
} from "./drill.ts";
export { FindingSchema, IntakeResultSchema } from "./finding.ts";
export { GUARDDUTY_FINDING, GUARDDUTY_SOURCE } from "./guardduty.ts";
export { ADMIN_PORTS } from "./ingress.ts";
export { MAX_DEPTH, MAX_EVENT_CHARS } from "./limits.ts";
export { type IntakeOptions, normalizeEvent } from "./normalize.ts";
export { SECURITYHUB_FINDING_DETAIL_TYPES, SECURITYHUB_SOURCE } from "./securityhub.ts";
export { type AlarmEvent, alarmNotificationToEvent, type SnsContext, unwrapSnsMessage } from "./sns.ts";
export { type SnsRecord, snsRecords, topicRegion } from "./sns-records.ts";
export { MAX_TAGS, MAX_TITLE_LENGTH, sanitizeText } from "./text.ts";
