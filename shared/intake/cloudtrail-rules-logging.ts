/**
 * Catalogue entries for logging and detection turned off or weakened: CloudTrail trails and
 * their selectors, GuardDuty, Security Hub, Config, VPC flow logs and alarms. Part of
 * `RISKY_CALLS` (./cloudtrail-rules.ts), in its order.
 */
import {
  account,
  accountOnly,
  always,
  type CloudTrailCall,
  param,
  paramResource,
  type RuleSpec,
  trail,
} from "./cloudtrail-call.ts";
import { isObject, listOf } from "./walk.ts";

/** Ways an UpdateTrail request weakens a trail. */
function trailWeakenings(call: CloudTrailCall): string[] {
  const p = call.params;
  const out: string[] = [];
  if (p.isMultiRegionTrail === false) out.push("no longer multi-region");
  if (p.includeGlobalServiceEvents === false) out.push("global service events excluded");
  if (p.enableLogFileValidation === false) out.push("log file validation disabled");
  if (p.kmsKeyId === "") out.push("KMS encryption removed");
  if (typeof p.s3BucketName === "string") out.push(`logs redirected to bucket ${p.s3BucketName}`);
  return out;
}

/** Ways a PutEventSelectors request stops logging management events. */
function selectorWeakenings(call: CloudTrailCall): string[] {
  const p = call.params;
  const out: string[] = [];
  if (p.advancedEventSelectors !== undefined) {
    // The field selectors of each advanced selector that logs management events.
    const management = listOf(p.advancedEventSelectors)
      .filter(isObject)
      .map((sel) => listOf(sel.fieldSelectors).filter(isObject))
      .filter((fields) =>
        fields.some((f) => f.field === "eventCategory" && listOf(f.equals).includes("Management")),
      );
    if (management.length === 0) out.push("no advanced selector logs management events");
    // Any other field (readOnly, eventSource, eventName…) narrows what is logged, as a classic
    // selector's readWriteType or excluded sources do.
    else if (!management.some((fields) => fields.every((f) => f.field === "eventCategory"))) {
      const narrowing = new Set(
        management.flatMap((fields) =>
          fields.map((f) => String(f.field)).filter((n) => n !== "eventCategory"),
        ),
      );
      out.push(
        `management events narrowed by ${[...narrowing].sort().join(", ")} in every advanced selector`,
      );
    }
    return out;
  }
  const selectors = listOf(p.eventSelectors).filter(isObject);
  const full = selectors.some(
    (s) =>
      s.includeManagementEvents !== false && (s.readWriteType === undefined || s.readWriteType === "All"),
  );
  if (!full) out.push("management events not fully logged (read/write)");
  if (selectors.some((s) => listOf(s.excludeManagementEventSources).length > 0)) {
    out.push("management event sources excluded");
  }
  return out;
}

/** The logging and detection rules of the catalogue. */
export const LOGGING_RULES: RuleSpec[] = [
  {
    id: "StopLogging",
    eventSource: "cloudtrail.amazonaws.com",
    eventName: "StopLogging",
    severity: 8,
    title: "CloudTrail logging stopped",
    assess: always(
      (c) => trail(c, "name"),
      (c) => `trail ${String(param(c, "name"))}`,
    ),
  },
  {
    id: "DeleteTrail",
    eventSource: "cloudtrail.amazonaws.com",
    eventName: "DeleteTrail",
    severity: 8,
    title: "CloudTrail trail deleted",
    assess: always(
      (c) => trail(c, "name"),
      (c) => `trail ${String(param(c, "name"))}`,
    ),
  },
  {
    id: "UpdateTrail/Weakened",
    eventSource: "cloudtrail.amazonaws.com",
    eventName: "UpdateTrail",
    severity: 6,
    title: "CloudTrail trail weakened",
    assess(call) {
      const weak = trailWeakenings(call);
      return weak.length ? { resources: trail(call, "name"), detail: weak.join("; ") } : null;
    },
  },
  {
    id: "PutEventSelectors/Weakened",
    eventSource: "cloudtrail.amazonaws.com",
    eventName: "PutEventSelectors",
    severity: 6,
    title: "CloudTrail event selectors reduce logging",
    assess(call) {
      const weak = selectorWeakenings(call);
      return weak.length ? { resources: trail(call, "trailName"), detail: weak.join("; ") } : null;
    },
  },
  {
    id: "DeleteDetector",
    eventSource: "guardduty.amazonaws.com",
    eventName: "DeleteDetector",
    severity: 8,
    title: "GuardDuty detector deleted",
    needsParameters: false,
    assess: accountOnly("GuardDuty disabled in this region"),
  },
  {
    id: "UpdateDetector/Disabled",
    eventSource: "guardduty.amazonaws.com",
    eventName: "UpdateDetector",
    severity: 8,
    title: "GuardDuty detector disabled",
    assess: (call) =>
      param(call, "enable") === false || param(call, "enable") === "false"
        ? { resources: [account(call)], detail: "detector set to enable=false" }
        : null,
  },
  {
    id: "DisassociateFromMasterAccount",
    eventSource: "guardduty.amazonaws.com",
    eventName: "DisassociateFromMasterAccount",
    severity: 7,
    title: "GuardDuty member left its administrator account",
    needsParameters: false,
    assess: accountOnly("findings no longer reach the administrator account"),
  },
  {
    id: "DisassociateFromAdministratorAccount",
    eventSource: "guardduty.amazonaws.com",
    eventName: "DisassociateFromAdministratorAccount",
    severity: 7,
    title: "GuardDuty member left its administrator account",
    needsParameters: false,
    assess: accountOnly("findings no longer reach the administrator account"),
  },
  {
    id: "CreateFilter/AutoArchive",
    eventSource: "guardduty.amazonaws.com",
    eventName: "CreateFilter",
    severity: 6,
    title: "GuardDuty suppression rule created",
    assess: (call) =>
      param(call, "action") === "ARCHIVE"
        ? {
            resources: [account(call)],
            detail: `filter ${String(param(call, "name"))} auto-archives findings`,
          }
        : null,
  },
  {
    id: "UpdateFilter/AutoArchive",
    eventSource: "guardduty.amazonaws.com",
    eventName: "UpdateFilter",
    severity: 6,
    title: "GuardDuty suppression rule changed",
    assess: (call) =>
      param(call, "action") === "ARCHIVE"
        ? {
            resources: [account(call)],
            detail: `filter ${String(param(call, "filterName"))} auto-archives findings`,
          }
        : null,
  },
  {
    id: "CreateIPSet",
    eventSource: "guardduty.amazonaws.com",
    eventName: "CreateIPSet",
    severity: 5,
    title: "GuardDuty trusted IP list created",
    needsParameters: false,
    assess: accountOnly("GuardDuty will not report activity from the listed addresses"),
  },
  {
    id: "DeleteConfigurationRecorder",
    eventSource: "config.amazonaws.com",
    eventName: "DeleteConfigurationRecorder",
    severity: 7,
    title: "AWS Config recorder deleted",
    needsParameters: false,
    assess: accountOnly("configuration changes are no longer recorded"),
  },
  {
    id: "StopConfigurationRecorder",
    eventSource: "config.amazonaws.com",
    eventName: "StopConfigurationRecorder",
    severity: 7,
    title: "AWS Config recorder stopped",
    needsParameters: false,
    assess: accountOnly("configuration changes are no longer recorded"),
  },
  {
    id: "DeleteDeliveryChannel",
    eventSource: "config.amazonaws.com",
    eventName: "DeleteDeliveryChannel",
    severity: 6,
    title: "AWS Config delivery channel deleted",
    needsParameters: false,
    assess: accountOnly("configuration history is no longer delivered"),
  },
  {
    id: "DisableSecurityHub",
    eventSource: "securityhub.amazonaws.com",
    eventName: "DisableSecurityHub",
    severity: 7,
    title: "Security Hub disabled",
    needsParameters: false,
    assess: accountOnly("Security Hub disabled in this region"),
  },
  {
    id: "LeaveOrganization",
    eventSource: "organizations.amazonaws.com",
    eventName: "LeaveOrganization",
    severity: 8,
    title: "Account left its AWS Organization",
    needsParameters: false,
    assess: accountOnly("organization guardrails (SCPs, delegated security services) no longer apply"),
  },
  {
    id: "ScheduleKeyDeletion",
    eventSource: "kms.amazonaws.com",
    eventName: "ScheduleKeyDeletion",
    severity: 7,
    title: "KMS key scheduled for deletion",
    assess: always(
      (c) => paramResource(c, "other", "keyId"),
      (c) => `key ${String(param(c, "keyId"))} in ${String(param(c, "pendingWindowInDays") ?? "?")} days`,
    ),
  },
];
