/**
 * The vocabulary of `responder preflight`: what each check observed (or could not observe), and
 * the verdict on it. Verdicts are judged by pure functions (./judge.ts) from observations the
 * AWS reads (./read.ts) gather, so that each judgement is tested without AWS.
 */

/** A check's verdict. `unsupported`: the API could not be asked (the emulator or region lacks it). */
export type CheckStatus = "pass" | "fail" | "unsupported";

/** The checks, by stable id (also the keys of the JSON output). */
export const CHECKS = {
  "member-role": "the member role can be assumed (with the external id when configured)",
  "role-actions": "every action the registry needs is allowed to the role (iam:SimulatePrincipalPolicy)",
  "isolation-profile": "the isolation instance profile exists and its role denies everything",
  "isolation-groups": "isolation security groups can be created in each VPC (CreateSecurityGroup DryRun)",
  guardduty: "GuardDuty has an enabled detector (it publishes findings to the default event bus)",
  "event-forwarding": "a rule on the member's default bus forwards events to the responder's bus",
  cloudtrail: "a trail is logging and records management events",
  securityhub: "Security Hub is enabled (the policy answers its findings)",
  config: "an AWS Config recorder is recording (the policy answers its compliance changes)",
  "evidence-versioning": "the evidence bucket's versioning is Enabled",
  "evidence-object-lock": "the evidence bucket has Object Lock COMPLIANCE with the configured retention",
  "evidence-policy": "the evidence bucket policy holds every statement the stack defines (by Sid)",
  "evidence-key": "the evidence KMS key is Enabled and gives a data key",
  "alert-subscription": "the alert topic has at least one confirmed subscription",
} as const;

/** A check's id. */
export type CheckName = keyof typeof CHECKS;

/** The verdict of one check in one account and region. */
export interface CheckResult {
  account: string;
  region: string;
  check: CheckName;
  /** Which one, when a check is made more than once in an account and region (a role's ARN, a member role's purpose). */
  subject?: string;
  status: CheckStatus;
  /** Why: what was seen, in one line. */
  reason: string;
}

/** A verdict before it is placed in an account and region. */
export type Verdict = Pick<CheckResult, "status" | "reason">;

/**
 * What an AWS read gave: the observation, or why there is none — the API is not implemented
 * (`unsupported`), or the call failed (`error`: access denied, not found, throttled…).
 */
export type Observed<T> =
  | { kind: "ok"; value: T }
  | { kind: "unsupported"; reason: string }
  | { kind: "error"; reason: string };

/** The whole report: every verdict, and whether any failed. */
export interface PreflightReport {
  ok: boolean;
  results: CheckResult[];
}
