/**
 * `responder release <incidentId> [--force] [--dry-run]` — restores the isolated instance(s)
 * to their recorded pre-isolation state; refuses when an instance changed since isolation
 * unless forced. Recorded on the incident's timeline and alerted.
 */
import { autoScalingClient, ec2Client, elbv2Client, iamClient, s3Client } from "../../shared/aws/clients.ts";
import { loadIsolationProfileName } from "../../shared/config/index.ts";
import { describeError } from "../../shared/errors/index.ts";
import { isolationProfileFor as isolationProfileResolver } from "../../shared/workflow/contain.ts";
import { releaseIncident } from "../../shared/workflow/release.ts";
import { connect } from "../connect.ts";
import { bold, dim, green, printJson, red, statusColour, stepsTable, text } from "../output.ts";
import { callerIdentity, checkId, depsOf } from "./decide.ts";

export async function releaseCommand(args: {
  incidentId?: string;
  force: boolean;
  dryRun: boolean;
  json: boolean;
  stage?: string;
}): Promise<number> {
  const incidentId = checkId("release", args.incidentId);
  const conn = await connect(args.stage);
  const by = await callerIdentity(conn);
  // The same resolver the contain function uses: the stack's own profile in its account, the
  // member account's profile (in the stack's partition) elsewhere.
  const isolationProfileFor = isolationProfileResolver({
    ownAccount: async () => conn.account,
    ownProfileArn: conn.resources.isolationProfileArn,
    memberProfileName: loadIsolationProfileName(),
  });
  let outcomes: Awaited<ReturnType<typeof releaseIncident>>;
  try {
    outcomes = await releaseIncident(
      incidentId,
      { force: args.force, dryRun: args.dryRun, by },
      {
        ...depsOf(conn),
        // The CLI acts with the caller's own credentials, in the account they are for.
        clientsFor: async () => ({
          ec2: ec2Client(conn.aws),
          autoScaling: autoScalingClient(conn.aws),
          elbv2: elbv2Client(conn.aws),
        }),
        principalClientsFor: async () => ({ iam: iamClient(conn.aws), s3: s3Client(conn.aws) }),
        iamFor: async () => iamClient(conn.aws),
        isolationProfileFor,
      },
    );
  } catch (err) {
    if (args.json) printJson({ status: "refused", error: describeError(err) });
    else console.error(red(`release refused: ${text(describeError(err))}`));
    return 1;
  }
  const ok = outcomes.every((o) => ["released", "terminated", "dry-run"].includes(o.status));
  if (args.json) {
    printJson({ incidentId, ok, outcomes });
    return ok ? 0 : 1;
  }
  for (const o of outcomes) {
    console.log(
      `${bold(o.instanceId)} ${statusColour(o.status)} ${dim(`(${o.rounds} rounds, ${o.calls} calls)`)}`,
    );
    for (const d of o.differences) console.log(`  changed since isolation: ${text(d)}`);
    console.log(stepsTable(o.steps, "  "));
    for (const open of o.verification.open) console.log(red(`  not restored: ${text(open)}`));
  }
  console.log(
    ok ? green("Released.") : red("Not (fully) released: see above; --force releases a changed instance."),
  );
  return ok ? 0 : 1;
}
