/**
 * The plan of the scheduled preflight, from a function's configuration alone (a function cannot
 * read serverless.yml): the stack's name, the evidence bucket's retention and bucket-policy
 * statement ids come from the environment serverless.yml gives the triage function.
 */
import type { ClientOptions } from "../aws/clients.ts";
import type { ResponderConfig } from "../config/index.ts";
import { ConfigError } from "../errors/index.ts";
import { FUNCTIONS, functionActions, memberRoleActions } from "../iam/permissions.ts";
import type { Policy } from "../policy/index.ts";
import type { AccountSessions } from "../runtime/accounts.ts";
import type { PreflightPlan } from "./run.ts";

/** Whether any playbook of the policy answers findings of Security Hub, and of AWS Config. */
export function sourcesUsed(policy: Pick<Policy, "playbooks">): { securityhub: boolean; config: boolean } {
  const named = new Set(
    policy.playbooks.flatMap((p) => {
      const s = p.match.source;
      return s === undefined ? [] : Array.isArray(s) ? s : [s];
    }),
  );
  return { securityhub: named.has("securityhub"), config: named.has("config") };
}

function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/**
 * The scheduled plan: the responder's own account (`account`, as EventBridge authenticated the
 * scheduled event) in the function's region, and each configured member account through the
 * member read role only. No CreateSecurityGroup dry run: the triage role may not create groups.
 * @throws ConfigError when the stack's expectations are not configured (PREFLIGHT_*)
 */
export function scheduledPlan(args: {
  config: ResponderConfig;
  aws: ClientOptions;
  account: string;
  sessions: AccountSessions;
  policy: Pick<Policy, "playbooks">;
}): PreflightPlan {
  const { config: cfg, aws, account } = args;
  const { stackName, retentionDays, policySids } = cfg.preflight;
  if (!stackName || retentionDays === undefined || policySids.length === 0)
    throw new ConfigError(
      "the scheduled preflight needs PREFLIGHT_STACK_NAME, PREFLIGHT_RETENTION_DAYS and PREFLIGHT_POLICY_SIDS",
    );
  const partition = partitionOf(aws.region);
  const readRole = cfg.memberReadRoleName ?? cfg.memberRoleName;
  return {
    aws,
    ownAccount: account,
    regions: [aws.region],
    members: cfg.trust.memberAccounts.filter((a) => a !== account),
    sessions: args.sessions,
    memberRoles: readRole ? { read: readRole } : {},
    memberActions: { read: memberRoleActions("read"), act: memberRoleActions("act") },
    memberPurposes: ["read"],
    isolationProfileName: cfg.isolationProfileName,
    ownIsolationProfileName: cfg.resources.isolationProfileArn?.split("/").pop() ?? cfg.isolationProfileName,
    ownRoles: Object.keys(FUNCTIONS).map((fn) => ({
      principalArn: `arn:${partition}:iam::${account}:role/${stackName}-${fn}-${aws.region}`,
      actions: functionActions(fn),
    })),
    responderBusArn: (region) => `arn:${partition}:events:${region}:${account}:event-bus/default`,
    uses: sourcesUsed(args.policy),
    responder: {
      bucket: cfg.resources.evidenceBucket,
      ...(cfg.resources.evidenceKmsKeyArn ? { keyId: cfg.resources.evidenceKmsKeyArn } : {}),
      topicArn: cfg.resources.alertTopicArn,
      retention: { days: retentionDays },
      policySids,
    },
  };
}
