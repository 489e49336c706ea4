/**
 * `responder preflight [--json] [--stage S]` — proves, before an incident needs it, that the
 * responder's access works: per member account and region (locally, the emulator's account),
 * a table of checks with pass / fail / unsupported and the reason; exit 1 on any fail.
 * What each check proves, and what it cannot: docs/preflight.md.
 */

import type { ClientOptions } from "../../shared/aws/clients.ts";
import { stsClient } from "../../shared/aws/clients.ts";
import { loadConfig, type ResponderResources, resourcesToEnv } from "../../shared/config/index.ts";
import { FUNCTIONS, functionActions, memberRoleActions } from "../../shared/iam/permissions.ts";
import { loadPolicy } from "../../shared/policy/index.ts";
import { type PreflightPlan, runPreflight } from "../../shared/preflight/run.ts";
import type { PreflightReport } from "../../shared/preflight/types.ts";
import { AccountSessions } from "../../shared/runtime/accounts.ts";
import { connect } from "../connect.ts";
import { localBucketStatements } from "../local/creators.ts";
import { LOCAL_STAGE } from "../local/environment.ts";
import { loadServerless, stackName } from "../local/serverless.ts";
import { bold, printJson, statusColour, table, text } from "../output.ts";
import { dryRunGroups } from "../preflight/dry-run.ts";
import { evidenceExpectations, sourcesUsed } from "../preflight/expect.ts";

/**
 * The plan of checks for a responder: its resources, the configuration in the environment
 * (member accounts, roles, external id), and what serverless.yml and the policy define.
 */
export function preflightPlan(args: {
  aws: ClientOptions;
  resources: ResponderResources;
  account: string;
  stage: string;
  /** Against the emulator: the bucket policy holds only the statements it can apply (localBucketStatements). */
  local: boolean;
  env?: NodeJS.ProcessEnv;
}): PreflightPlan {
  const cfg = loadConfig({
    ...(args.env ?? process.env),
    AWS_REGION: args.aws.region,
    ...resourcesToEnv(args.resources),
  });
  const doc = loadServerless({ stage: args.stage, region: args.aws.region });
  const stack = stackName(doc, args.stage);
  const policyDoc = doc.resources.Resources.EvidenceBucketPolicy?.Properties?.PolicyDocument;
  if (args.local && policyDoc) policyDoc.Statement = localBucketStatements(policyDoc.Statement);
  const evidence = evidenceExpectations(doc.resources.Resources);
  const own = args.account;
  const members = cfg.trust.memberAccounts.filter((a) => a !== own);
  const readRole = cfg.memberReadRoleName ?? cfg.memberRoleName;
  return {
    aws: args.aws,
    ownAccount: own,
    regions: [args.aws.region],
    members,
    sessions: new AccountSessions(stsClient(args.aws), args.aws, cfg),
    memberRoles: {
      ...(readRole ? { read: readRole } : {}),
      ...(cfg.memberRoleName ? { act: cfg.memberRoleName } : {}),
    },
    memberActions: { read: memberRoleActions("read"), act: memberRoleActions("act") },
    dryRunGroups,
    isolationProfileName: cfg.isolationProfileName,
    ownIsolationProfileName: args.resources.isolationProfileArn?.split("/").pop() ?? cfg.isolationProfileName,
    ownRoles: Object.keys(FUNCTIONS).map((fn) => ({
      principalArn: `arn:aws:iam::${own}:role/${stack}-${fn}-${args.aws.region}`,
      actions: functionActions(fn),
    })),
    responderBusArn: (region) => `arn:aws:events:${region}:${own}:event-bus/default`,
    uses: sourcesUsed(loadPolicy(cfg.policyFile)),
    responder: {
      bucket: args.resources.evidenceBucket,
      ...(args.resources.evidenceKmsKeyArn ? { keyId: args.resources.evidenceKmsKeyArn } : {}),
      topicArn: args.resources.alertTopicArn,
      retention: evidence.retention,
      policySids: evidence.policySids,
    },
  };
}

/** The report as an aligned table, with a one-line summary. */
export function preflightTable(report: PreflightReport): string {
  const rows = [
    ["ACCOUNT", "REGION", "CHECK", "STATUS", "REASON"].map((h) => bold(h)),
    ...report.results.map((r) => [r.account, r.region, r.check, statusColour(r.status), text(r.reason, 160)]),
  ];
  const count = (s: string) => report.results.filter((r) => r.status === s).length;
  return `${table(rows)}\n${report.ok ? "preflight: ok" : "preflight: FAILED"} (${count("pass")} pass, ${count("fail")} fail, ${count("unsupported")} unsupported)`;
}

export async function preflightCommand(args: { json: boolean; stage?: string }): Promise<number> {
  const conn = await connect(args.stage);
  const stage = conn.local ? LOCAL_STAGE : (args.stage ?? "dev");
  const report = await runPreflight(
    preflightPlan({
      aws: conn.aws,
      resources: conn.resources,
      account: conn.account,
      stage,
      local: conn.local,
    }),
  );
  if (args.json) printJson(report);
  else console.log(preflightTable(report));
  return report.ok ? 0 : 1;
}
