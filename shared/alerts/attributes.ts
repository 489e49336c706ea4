/**
 * The message attributes of an alert, for subscription filter policies: short, one-line,
 * cleaned values, at most {@link MAX_ATTRIBUTES} of them.
 */
import { subjectSafe, truncate } from "./line.ts";
import type { AlertInput } from "./types.ts";

/** SNS message attributes per message (SQS accepts at most 10 on delivery). */
export const MAX_ATTRIBUTES = 10;
const MAX_ATTRIBUTE_VALUE = 256;

/** A message attribute value: one line, no controls, at most 256 characters; undefined when empty. */
function attributeValue(v: string): string | undefined {
  const s = truncate(subjectSafe(v), MAX_ATTRIBUTE_VALUE);
  return s.length ? s : undefined;
}

/**
 * Message attributes for subscription filter policies. Every value is a non-empty string
 * (`severity` is sent as a Number): stage, tier, severity, incidentId, account, region,
 * owner and workQueue (`unknown` when the resource has no such tag), findingType, drill.
 * Alerts without an incident (rejected events) carry stage, tier `none`, account and drill.
 */
export function buildAttributes(input: AlertInput): Record<string, string> {
  const inc = input.incident;
  const raw: Record<string, string> = inc
    ? {
        stage: input.stage,
        tier: inc.impact.tier,
        severity: String(inc.finding.severity),
        incidentId: inc.incidentId,
        account: inc.account,
        region: inc.region,
        owner: inc.impact.owner ?? "",
        workQueue: inc.impact.workQueue ?? "",
        findingType: inc.finding.type,
        drill: String(inc.drill),
      }
    : { stage: input.stage, tier: "none", account: input.account ?? "unknown", drill: "false" };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    const value = attributeValue(v) ?? (k === "owner" || k === "workQueue" ? "unknown" : undefined);
    if (value !== undefined && Object.keys(out).length < MAX_ATTRIBUTES) out[k] = value;
  }
  return out;
}

/** Attributes sent with DataType Number (numeric filter policies: `{"severity":[{"numeric":[">=",7]}]}`). */
export const NUMBER_ATTRIBUTES: ReadonlySet<string> = new Set(["severity"]);
