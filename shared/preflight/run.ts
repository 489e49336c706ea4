/**
 * Runs every preflight check, per account and region: in each member account through the
 * member roles (assumed as the responder assumes them, with the external id), in the
 * responder's own account with the caller's credentials; and the responder's own resources
 * (evidence bucket, key, alert topic) once. Reads only (./read.ts); verdicts from ./judge.ts.
 */
import type { ClientOptions } from "../aws/clients.ts";
import type { AccountPurpose, AccountSessions } from "../runtime/accounts.ts";
import type { DryRunOutcome } from "./judge.ts";
import * as judge from "./judge.ts";
import * as read from "./read.ts";
import type { CheckName, CheckResult, Observed, PreflightReport, Verdict } from "./types.ts";

/** What a deployment expects, and how to reach it. */
export interface PreflightPlan {
  /** The caller's client options in the responder's account and home region. */
  aws: ClientOptions;
  ownAccount: string;
  /** The regions to check in every account (the home region first). */
  regions: readonly string[];
  /** Member accounts (not the responder's own), and the sessions that assume their roles. */
  members: readonly string[];
  sessions?: AccountSessions;
  /** Member role names by purpose (unset: not configured). */
  memberRoles: Partial<Record<AccountPurpose, string>>;
  /** The actions each member role must allow (shared/iam memberRoleActions). */
  memberActions: Record<AccountPurpose, readonly string[]>;
  /** The isolation instance profile's name in member accounts, and in the responder's own. */
  isolationProfileName: string;
  ownIsolationProfileName: string;
  /** The responder's function roles and the actions each needs (shared/iam functionActions). */
  ownRoles: readonly { principalArn: string; actions: readonly string[] }[];
  /** The responder's bus in a region: the target member forwarding rules must name. */
  responderBusArn: (region: string) => string;
  /** Whether the policy answers Security Hub findings and Config compliance changes. */
  uses: { securityhub: boolean; config: boolean };
  /**
   * The member roles to assume (default both). The scheduled check assumes only the read role:
   * the checks that need the act role (isolation profile and groups) are then not made in members.
   */
  memberPurposes?: readonly AccountPurpose[];
  /**
   * The CreateSecurityGroup dry run in every VPC (cli/preflight/dry-run.ts); unset, the
   * `isolation-groups` check is not made (the scheduled function may not create groups).
   */
  dryRunGroups?: (o: ClientOptions) => Promise<Observed<DryRunOutcome[]>>;
  responder: {
    bucket: string;
    keyId?: string;
    topicArn: string;
    retention: { days?: number; years?: number };
    policySids: readonly string[];
  };
}

function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** A verdict whose reason names the principal it is about. */
function naming(principalArn: string, v: Verdict): Verdict {
  return v.reason.includes(principalArn) ? v : { ...v, reason: `${principalArn}: ${v.reason}` };
}

/** A read that fails with AccessDenied could not be asked: say so rather than fail the access it checks. */
function deniedIsUnsupported<T>(obs: Observed<T>, who: string): Observed<T> {
  if (obs.kind === "error" && /AccessDenied/.test(obs.reason))
    return { kind: "unsupported", reason: `${who} may not call iam:SimulatePrincipalPolicy: ${obs.reason}` };
  return obs;
}

/** Runs every check; `ok` is false when any check failed. */
export async function runPreflight(plan: PreflightPlan): Promise<PreflightReport> {
  const results: CheckResult[] = [];
  const add = (account: string, region: string, check: CheckName, v: Verdict, subject?: string) =>
    results.push({ account, region, check, ...(subject ? { subject } : {}), ...v });
  const purposes = plan.memberPurposes ?? (["read", "act"] as const);

  for (const region of plan.regions) {
    const own: ClientOptions = { ...plan.aws, region };
    const account = plan.ownAccount;
    for (const role of plan.ownRoles)
      if (region === plan.regions[0])
        add(
          account,
          region,
          "role-actions",
          naming(
            role.principalArn,
            judge.judgeActions(await read.simulate(own, role.principalArn, role.actions), role.actions),
          ),
          role.principalArn,
        );
    await accountChecks(plan, own, account, region, plan.ownIsolationProfileName, add);
    if (region === plan.regions[0]) await responderChecks(plan, own, add);

    for (const member of plan.members) {
      const sessions: Partial<Record<AccountPurpose, ClientOptions>> = {};
      for (const purpose of purposes) {
        const roleName = plan.memberRoles[purpose];
        if (!roleName || !plan.sessions) {
          add(
            member,
            region,
            "member-role",
            {
              status: "fail",
              reason: `no member ${purpose} role is configured (MEMBER_ROLE_NAME): the responder cannot act in ${member}`,
            },
            purpose,
          );
          continue;
        }
        if (purpose === "act" && roleName === plan.memberRoles.read && sessions.read) {
          sessions.act = sessions.read;
          continue;
        }
        const roleArn = `arn:${partitionOf(region)}:iam::${member}:role/${roleName}`;
        const base = plan.sessions;
        const obs = await read.observe("sts:AssumeRole", async () => ({
          roleArn,
          options: await base.optionsFor(member, "preflight", purpose),
        }));
        add(member, region, "member-role", judge.judgeAssume(obs), purpose);
        if (obs.kind === "ok") sessions[purpose] = { ...obs.value.options, region };
      }
      const act = sessions.act;
      const reader = sessions.read ?? act;
      // One simulation per distinct role, for every action of the purposes it serves.
      for (const purpose of purposes) {
        const roleName = plan.memberRoles[purpose];
        const session = sessions[purpose];
        if (!roleName || !session || (purpose === "act" && roleName === plan.memberRoles.read)) continue;
        const serves = purposes.filter((p) => plan.memberRoles[p] === roleName);
        const needed = [...new Set(serves.flatMap((p) => plan.memberActions[p]))].sort();
        const arn = `arn:${partitionOf(region)}:iam::${member}:role/${roleName}`;
        const obs = deniedIsUnsupported(await read.simulate(session, arn, needed), `role ${roleName}`);
        add(member, region, "role-actions", naming(arn, judge.judgeActions(obs, needed)), arn);
      }
      if (!reader || (!act && purposes.includes("act"))) continue;
      await accountChecks(plan, { read: reader, act }, member, region, plan.isolationProfileName, add);
      add(
        member,
        region,
        "event-forwarding",
        judge.judgeForwarding(await read.readForwarding(reader, plan.responderBusArn(region))),
      );
    }
  }
  return { ok: results.every((r) => r.status !== "fail"), results };
}

type Add = (account: string, region: string, check: CheckName, v: Verdict) => void;

/** The checks every account gets: isolation, detection sources. */
async function accountChecks(
  plan: PreflightPlan,
  o: ClientOptions | { read: ClientOptions; act?: ClientOptions },
  account: string,
  region: string,
  profileName: string,
  add: Add,
): Promise<void> {
  const { read: r, act } = "read" in o ? o : { read: o, act: o };
  if (act) {
    add(
      account,
      region,
      "isolation-profile",
      judge.judgeIsolationProfile(await read.readIsolationProfile(act, profileName)),
    );
    if (plan.dryRunGroups)
      add(account, region, "isolation-groups", judge.judgeGroupDryRuns(await plan.dryRunGroups(act)));
  }
  add(account, region, "guardduty", judge.judgeGuardDuty(await read.readDetectors(r)));
  add(account, region, "cloudtrail", judge.judgeTrails(await read.readTrails(r)));
  if (plan.uses.securityhub)
    add(account, region, "securityhub", judge.judgeSecurityHub(await read.readHub(r)));
  if (plan.uses.config)
    add(account, region, "config", judge.judgeConfigRecorders(await read.readRecorders(r)));
}

/** The responder's own resources: the evidence bucket, its key, the alert topic. */
async function responderChecks(plan: PreflightPlan, o: ClientOptions, add: Add): Promise<void> {
  const { bucket, keyId, topicArn, retention, policySids } = plan.responder;
  const at = (check: CheckName, v: Verdict) => add(plan.ownAccount, o.region, check, v);
  const b = await read.readBucket(o, bucket);
  at("evidence-versioning", judge.judgeVersioning(b.versioning));
  at("evidence-object-lock", judge.judgeObjectLock(b.lock, retention));
  at("evidence-policy", judge.judgeBucketPolicy(b.policy, policySids));
  at(
    "evidence-key",
    keyId
      ? judge.judgeKey(await read.readKey(o, keyId))
      : { status: "fail", reason: "no evidence KMS key is configured (EVIDENCE_KMS_KEY_ARN)" },
  );
  at("alert-subscription", judge.judgeSubscriptions(await read.readSubscriptions(o, topicArn)));
}
